// The step-through viewer. The data (every run's records, diagram and
// anchors) is in the script element #data; the URL fragment
// #system=KEY&step=N says which run and which record (1-based) to show.
"use strict";

const data = JSON.parse(document.getElementById("data").textContent);
const AT = 0, KIND = 1, NODE = 2, PEER = 3, MSG = 4, LABEL = 5, INFO = 6;
let run = 0;   // index in data.runs
let step = 1;  // 1-based record number; 0 when the run has no records

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
}

function build() {
  document.body.append(
    el("header", {},
      el("h1", {id: "title", text: data.title}),
      el("div", {id: "runs"}),
      el("div", {id: "controls"},
        el("button", {id: "first", title: "first record (Home)", text: "|◀"}),
        el("button", {id: "back", title: "back one record (←)", text: "◀ back"}),
        el("button", {id: "next", title: "next record (→)", text: "next ▶"}),
        el("button", {id: "last", title: "last record (End)", text: "▶|"}),
        el("input", {id: "slider", type: "range", min: "1", max: "1", value: "1"}),
        el("span", {id: "position"}),
        el("span", {id: "help", text: "← → step, Shift+← → ten, Home End"}),
        el("span", {id: "message"}))),
    el("main", {},
      el("div", {id: "diagram"}),
      el("div", {id: "side"},
        el("div", {id: "runtitle", class: "none"}),
        el("h2", {text: "Record"}),
        el("div", {id: "record"},
          field("step", "step"), field("at", "at"), field("node", "node"), field("kind", "kind"),
          field("label", "label"), field("peer", "peer"), field("info", "info")),
        el("h2", {text: "State of each node after this record"}),
        el("div", {id: "state"}),
        el("h2", {text: "Messages in flight"}),
        el("div", {id: "inflight"}),
        el("h2", {text: "Records around this one"}),
        el("table", {id: "nearby"}))));
  data.runs.forEach((r, i) => {
    const b = el("button", {"data-key": r.key, text: r.key});
    b.onclick = () => { run = i; step = 1; show(); };
    document.getElementById("runs").append(b);
  });
  document.getElementById("first").onclick = () => go(1);
  document.getElementById("back").onclick = () => go(step - 1);
  document.getElementById("next").onclick = () => go(step + 1);
  document.getElementById("last").onclick = () => go(records().length);
  document.getElementById("slider").oninput = (e) => go(Number(e.target.value));
  document.addEventListener("keydown", key);
  window.addEventListener("hashchange", () => { if (readHash()) show(); });
}

function field(id, name) {
  return el("span", {class: "field"}, el("span", {class: "name", text: name + " "}), el("span", {id: id}));
}

function records() { return data.runs[run] ? data.runs[run].records : []; }

function key(e) {
  if (e.target.tagName === "INPUT" && e.target.type !== "range") return;
  const n = e.shiftKey ? 10 : 1;
  switch (e.key) {
    case "ArrowRight": case "ArrowDown": case "n": case "j": go(step + n); break;
    case "ArrowLeft": case "ArrowUp": case "p": case "k": go(step - n); break;
    case "Home": go(1); break;
    case "End": go(records().length); break;
    default: return;
  }
  e.preventDefault();
}

function go(n) {
  const total = records().length;
  step = total === 0 ? 0 : Math.min(Math.max(1, n), total);
  show();
}

// readHash applies #system=KEY&step=N and reports whether it was valid.
function readHash() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  const msg = [];
  if (params.has("system")) {
    const i = data.runs.findIndex((r) => r.key === params.get("system"));
    if (i < 0) msg.push("no system " + params.get("system") + " in this run (it has " + data.runs.map((r) => r.key).join(", ") + ")");
    else run = i;
  }
  if (params.has("step")) {
    const n = Number(params.get("step"));
    const total = records().length;
    if (!Number.isInteger(n) || n < 1 || n > total) msg.push("no step " + params.get("step") + " (steps are 1 to " + total + ")");
    else step = n;
  }
  document.getElementById("message").textContent = msg.join("; ");
  return msg.length === 0;
}

function writeHash() {
  const h = "#system=" + encodeURIComponent(data.runs[run].key) + "&step=" + step;
  if (location.hash !== h) history.replaceState(null, "", h);
}

function show() {
  const r = data.runs[run];
  if (!r) return;
  const recs = r.records;
  if (step > recs.length) step = recs.length;
  if (step < 1 && recs.length > 0) step = 1;
  for (const b of document.querySelectorAll("#runs button")) b.className = b.dataset.key === r.key ? "on" : "";
  document.getElementById("runtitle").textContent = r.title + (r.total > recs.length ? " (the page holds the first " + recs.length + " of " + r.total + " records; trace-" + r.key + ".jsonl has them all)" : "");
  const slider = document.getElementById("slider");
  slider.max = String(Math.max(1, recs.length));
  slider.value = String(step);
  document.getElementById("position").textContent = "step " + step + " of " + recs.length;
  showRecord(r);
  const st = replay(r);
  showState(r, st);
  showInFlight(r, st);
  showNearby(r);
  showDiagram(r);
  writeHash();
}

function showRecord(r) {
  const rec = r.records[step - 1];
  const set = (id, v) => {
    const e = document.getElementById(id);
    e.textContent = v;
    // A field the record does not have is not shown.
    e.parentElement.style.display = v === "" ? "none" : "";
  };
  set("step", String(step));
  if (!rec) { for (const id of ["at", "node", "kind", "label", "peer", "info"]) set(id, ""); return; }
  set("at", rec[AT]);
  set("node", name(r, rec[NODE]));
  set("kind", rec[KIND]);
  set("label", rec[LABEL]);
  set("peer", name(r, rec[PEER]));
  set("info", rec[INFO]);
}

function name(r, i) { return i >= 0 ? r.nodes[i] : ""; }

// replay applies records 1..step as sim.States does: a state record sets
// (or, with an empty value, removes) a key of its node; a crash forgets the
// node's volatile keys. It also tracks each node's up/down and the copies
// of each message still in the network.
function replay(r) {
  const nodes = r.nodes.map(() => ({keys: new Map(), down: false}));
  const flight = new Map(); // msg -> {rec, copies}
  let changed = null;
  for (let i = 0; i < step; i++) {
    const rec = r.records[i];
    const n = nodes[rec[NODE]];
    switch (rec[KIND]) {
      case "send": flight.set(rec[MSG], {rec: i, copies: 1}); break;
      case "duplicate": if (flight.has(rec[MSG])) flight.get(rec[MSG]).copies++; break;
      case "drop": case "deliver": case "discard": {
        const f = flight.get(rec[MSG]);
        if (f && --f.copies <= 0) flight.delete(rec[MSG]);
        break;
      }
      case "crash":
        if (n) { n.down = true; for (const [k, v] of [...n.keys]) if (!v.durable) n.keys.delete(k); }
        break;
      case "restart": if (n) n.down = false; break;
      case "note":
        if (n && (rec[LABEL] === "state" || rec[LABEL] === "durable")) {
          const cut = rec[INFO].indexOf(" = ");
          if (cut < 0) break;
          const k = rec[INFO].slice(0, cut), v = rec[INFO].slice(cut + 3);
          if (v === "") n.keys.delete(k); else n.keys.set(k, {value: v, durable: rec[LABEL] === "durable"});
          if (i === step - 1) changed = {node: rec[NODE], key: k};
        }
        break;
    }
  }
  return {nodes, flight, changed};
}

// cells renders a value the protocols wrote with sim.Cells ("[X] [B]") as
// boxes, and any other value as text.
function value(v) {
  const span = el("span");
  if (v.startsWith("[") && v.endsWith("]")) {
    for (const c of v.slice(1, -1).split("] [")) span.append(el("span", {class: "cell", text: c}));
  } else span.textContent = v;
  return span;
}

function showState(r, st) {
  const box = document.getElementById("state");
  box.replaceChildren();
  const table = el("table");
  r.nodes.forEach((nm, i) => {
    const n = st.nodes[i];
    const keys = [...n.keys.keys()].sort();
    const head = el("tr", {}, el("td", {class: "node", text: nm}),
      el("td", {class: n.down ? "down" : "none", text: n.down ? "down (crashed)" : (keys.length ? "" : "no state recorded")}));
    table.append(head);
    for (const k of keys) {
      const e = n.keys.get(k);
      const row = el("tr", {"data-node": nm, "data-key": k}, el("td", {text: ""}),
        el("td", {}, el("span", {text: k + ": "}), value(e.value), el("span", {class: "durable", text: e.durable ? " (durable)" : ""})));
      if (st.changed && st.changed.node === i && st.changed.key === k) row.className = "changed";
      table.append(row);
    }
  });
  box.append(table);
}

function showInFlight(r, st) {
  const box = document.getElementById("inflight");
  box.replaceChildren();
  if (st.flight.size === 0) { box.append(el("div", {class: "none", text: "none"})); return; }
  const table = el("table", {}, el("tr", {}, el("th", {text: "message"}), el("th", {text: "from"}), el("th", {text: "to"}), el("th", {text: "sent at"}), el("th", {text: "copies"})));
  for (const [msg, f] of [...st.flight].sort((a, b) => a[1].rec - b[1].rec)) {
    const s = r.records[f.rec];
    table.append(el("tr", {"data-msg": String(msg)}, el("td", {text: s[LABEL]}), el("td", {text: name(r, s[NODE])}),
      el("td", {text: name(r, s[PEER])}), el("td", {text: s[AT]}), el("td", {text: String(f.copies)})));
  }
  box.append(table);
}

function showNearby(r) {
  const table = document.getElementById("nearby");
  table.replaceChildren(el("tr", {}, el("th", {text: "#"}), el("th", {text: "at"}), el("th", {text: "kind"}), el("th", {text: "node"}), el("th", {text: "label"})));
  for (let i = Math.max(1, step - 6); i <= Math.min(r.records.length, step + 6); i++) {
    const rec = r.records[i - 1];
    const row = el("tr", {class: i === step ? "current" : ""}, el("td", {text: String(i)}), el("td", {text: rec[AT]}),
      el("td", {text: rec[KIND]}), el("td", {text: name(r, rec[NODE])}), el("td", {text: [rec[LABEL], rec[INFO]].filter(Boolean).join(": ")}));
    row.onclick = () => go(i);
    table.append(row);
  }
}

let shownRun = -1;

function showDiagram(r) {
  const box = document.getElementById("diagram");
  if (shownRun !== run) {
    box.innerHTML = r.svg || "<p class=\"none\">No diagram for this run.</p>";
    shownRun = run;
  }
  const svg = box.querySelector("svg");
  if (!svg) return;
  for (const e of svg.querySelectorAll(".current")) e.classList.remove("current");
  let mark = svg.querySelector("#viewer-mark");
  if (!mark) {
    mark = document.createElementNS("http://www.w3.org/2000/svg", "circle");
    mark.setAttribute("id", "viewer-mark");
    mark.setAttribute("r", "11");
    mark.setAttribute("fill", "none");
    mark.setAttribute("stroke", "#ff7f0e");
    mark.setAttribute("stroke-width", "3");
    svg.append(mark);
  }
  const a = r.anchors[step - 1];
  if (!a) { mark.setAttribute("visibility", "hidden"); return; }
  mark.setAttribute("visibility", "visible");
  mark.setAttribute("cx", a[0]);
  mark.setAttribute("cy", a[1]);
  if (a[2]) { const g = svg.getElementById(a[2]); if (g) g.classList.add("current"); }
  // Keep the mark in view.
  const top = a[1] - box.clientHeight / 2, left = a[0] - box.clientWidth / 2;
  if (a[1] < box.scrollTop + 40 || a[1] > box.scrollTop + box.clientHeight - 40) box.scrollTop = Math.max(0, top);
  if (a[0] < box.scrollLeft + 40 || a[0] > box.scrollLeft + box.clientWidth - 40) box.scrollLeft = Math.max(0, left);
}

build();
readHash();
show();
