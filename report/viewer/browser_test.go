package viewer_test

import (
	"bufio"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/report/diagram"
	"github.com/sim-lecture/sim/report/viewer"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"

	_ "github.com/sim-lecture/sim/protocols/all"
)

// browser returns a headless Chromium context, or skips the test when no
// browser is installed (CI installs the Debian package chromium).
func browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Skip("no Chromium or Chrome on PATH: the viewer's browser test needs one (apt-get install chromium)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTime(); cancelCtx(); cancelAlloc() })
	return ctx
}

// traceLine is a line of trace-KEY.jsonl, as the contract has it.
type traceLine struct {
	At    string `json:"at"`
	Kind  string `json:"kind"`
	Node  string `json:"node"`
	Msg   uint64 `json:"msg"`
	Label string `json:"label"`
	Info  string `json:"info"`
}

func readTrace(t *testing.T, path string) []traceLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []traceLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l traceLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

// TestViewerInBrowser opens viewer.html in headless Chromium, as a reader
// would: the URL fragment #system=KEY&step=N shows the N-th record of
// trace-KEY.jsonl (its time, node and label), the keys and buttons step
// forward and back, each node's state and the messages in flight follow,
// the diagram's mark sits where the diagram drew the record, and nothing
// is fetched from anywhere.
func TestViewerInBrowser(t *testing.T) {
	ctx := browser(t)
	dir := t.TempDir()
	diagrams := writeOut(t, dir, "nfs_vs_afs")
	var mu sync.Mutex
	var fetched []string
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			fetched = append(fetched, e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	page := "file://" + filepath.Join(dir, "viewer.html")
	for _, key := range []string{"nfs", "afs"} {
		trace := readTrace(t, filepath.Join(dir, "trace-"+key+".jsonl"))
		for _, n := range []int{1, 7, len(trace) / 2, len(trace)} {
			open(t, ctx, page+"#system="+key+"&step="+strconv.Itoa(n))
			at, node, label := text(t, ctx, "at"), text(t, ctx, "node"), text(t, ctx, "label")
			want := trace[n-1]
			if at != want.At || node != want.Node || label != want.Label {
				t.Errorf("#system=%s&step=%d shows at %q, node %q, label %q; trace-%s.jsonl line %d has %q, %q, %q",
					key, n, at, node, label, key, n, want.At, want.Node, want.Label)
			}
			if got, want := text(t, ctx, "position"), "step "+strconv.Itoa(n)+" of "+strconv.Itoa(len(trace)); got != want {
				t.Errorf("#system=%s&step=%d: position %q; want %q", key, n, got, want)
			}
		}
	}
	// Keys and buttons step through the records, and the fragment follows.
	open(t, ctx, page+"#system=afs&step=10")
	if err := chromedp.Do(ctx,
		chromedp.KeyEvent(kb.ArrowRight),
		chromedp.Click(chromedp.ID("next")),
		chromedp.Click(chromedp.ID("back")),
		chromedp.Click(chromedp.ID("next")),
	); err != nil {
		t.Fatal(err)
	}
	hash, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.hash`))
	if err != nil {
		t.Fatal(err)
	}
	afs := readTrace(t, filepath.Join(dir, "trace-afs.jsonl"))
	if at := text(t, ctx, "at"); hash != "#system=afs&step=12" || at != afs[11].At {
		t.Errorf("after →, next, back, next from step 10: hash %q, at %q; want #system=afs&step=12 and %q", hash, at, afs[11].At)
	}
	checkStateAndFlight(t, ctx, page, afs, diagrams["afs"])
	// With variants, a run's key is its file label.
	vdir := t.TempDir()
	writeOut(t, vdir, "rpc_append_retry")
	vtrace := readTrace(t, filepath.Join(vdir, "trace-rpc-at_most_once.jsonl"))
	open(t, ctx, "file://"+filepath.Join(vdir, "viewer.html")+"#system=rpc-at_most_once&step=5")
	if at, label := text(t, ctx, "at"), text(t, ctx, "label"); at != vtrace[4].At || label != vtrace[4].Label {
		t.Errorf("#system=rpc-at_most_once&step=5 shows %q %q; the trace has %q %q", at, label, vtrace[4].At, vtrace[4].Label)
	}
	open(t, ctx, page+"#system=nope&step=1")
	if msg := text(t, ctx, "message"); !strings.Contains(msg, "no system nope") {
		t.Errorf("#system=nope: message %q; want it to say there is no such system", msg)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(fetched) == 0 {
		t.Error("no request seen: the network listener is not working")
	}
	for _, u := range fetched {
		if !strings.HasPrefix(u, "file://") {
			t.Errorf("the page fetched %s; it must be self-contained", u)
		}
	}
}

// open loads url afresh (a new fragment alone would not load the page)
// and waits for the viewer to show a step.
func open(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(url), chromedp.WaitVisible(chromedp.ID("position"))); err != nil {
		t.Fatal(err)
	}
}

// text returns the text content of the element with the id.
func text(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.ID(id)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// writeOut writes what sim run --out writes for the viewer: each run's
// trace-KEY.jsonl, and viewer.html; it returns the diagrams.
func writeOut(t *testing.T, dir, name string) map[string]*diagram.Diagram {
	t.Helper()
	sc, err := scenarios.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	res, worlds, err := scenarios.Run(sc, scenarios.Options{KeepTrace: true})
	if err != nil {
		t.Fatal(err)
	}
	var runs []viewer.Run
	diagrams := map[string]*diagram.Diagram{}
	for i, w := range worlds {
		key := res.Systems[i].FileLabel()
		f, err := os.Create(filepath.Join(dir, "trace-"+key+".jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		if err := report.WriteTrace(f, w); err != nil {
			t.Fatal(err)
		}
		f.Close()
		d, err := diagram.New(res, i, w, diagram.Options{})
		if err != nil {
			t.Fatal(err)
		}
		diagrams[key] = d
		names := make([]string, w.NumNodes())
		for id := range names {
			names[id] = w.Name(sim.NodeID(id))
		}
		runs = append(runs, viewer.Run{Key: key, Title: res.Systems[i].Label(), Nodes: names, Records: w.Trace().Records(), Diagram: d})
	}
	f, err := os.Create(filepath.Join(dir, "viewer.html"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := viewer.Write(f, name, runs); err != nil {
		t.Fatal(err)
	}
	return diagrams
}

// checkStateAndFlight: at the step where the server promises B a callback
// too, the state shows both holders; a FETCH is in flight from its send to
// its delivery; and the mark sits on the diagram where the FETCH starts.
func checkStateAndFlight(t *testing.T, ctx context.Context, page string, trace []traceLine, d *diagram.Diagram) {
	t.Helper()
	at := func(n int) (state, flight, cx, cy string) {
		t.Helper()
		open(t, ctx, page+"#system=afs&step="+strconv.Itoa(n))
		var err error
		if cx, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("viewer-mark").getAttribute("cx") || ""`)); err != nil {
			t.Fatal(err)
		}
		if cy, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("viewer-mark").getAttribute("cy") || ""`)); err != nil {
			t.Fatal(err)
		}
		return text(t, ctx, "state"), text(t, ctx, "inflight"), cx, cy
	}
	promised, send, deliver := -1, -1, -1
	for i, l := range trace {
		if promised < 0 && l.Kind == "note" && l.Node == "server" && l.Info == "callbacks fileA = A, B" {
			promised = i + 1
		}
		if send < 0 && l.Kind == "send" && l.Label == "FETCH" {
			send = i + 1
		}
		if send > 0 && deliver < 0 && l.Kind == "deliver" && l.Msg == trace[send-1].Msg {
			deliver = i + 1
		}
	}
	if promised < 0 || send < 0 || deliver < 0 {
		t.Fatalf("the afs trace lacks the records the test looks for (%d, %d, %d)", promised, send, deliver)
	}
	if state, _, _, _ := at(promised - 1); strings.Contains(state, "callbacks fileA: A, B") {
		t.Errorf("step %d, before the server promised B: the state already shows both holders", promised-1)
	}
	if state, _, _, _ := at(promised); !strings.Contains(state, "callbacks fileA: A, B") {
		t.Errorf("step %d: the state does not show the server's callbacks on fileA for A and B:\n%s", promised, state)
	}
	state, flight, cx, cy := at(send)
	if !strings.Contains(flight, "FETCH") {
		t.Errorf("step %d, FETCH sent: in flight %q", send, flight)
	}
	a := d.Anchors()[send-1]
	if x, _ := strconv.ParseFloat(cx, 64); !a.OK || math.Abs(x-a.X) > 0.1 {
		t.Errorf("step %d: the mark is at x %s; the diagram drew the send at %v", send, cx, a.X)
	}
	if y, _ := strconv.ParseFloat(cy, 64); math.Abs(y-a.Y) > 0.1 {
		t.Errorf("step %d: the mark is at y %s; the diagram drew the send at %v", send, cy, a.Y)
	}
	_ = state
	if _, flight, _, _ := at(deliver); strings.Contains(flight, "FETCH") {
		t.Errorf("step %d, FETCH delivered: still in flight %q", deliver, flight)
	}
}
