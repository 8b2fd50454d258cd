package twopcdriver

import (
	"fmt"
	"math"
	"strings"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
)

// TransactionsPart is the key of the part of the result that lists the
// transactions, one per commit row that ran, in row order.
const TransactionsPart = "transactions"

// Transaction is what became of one transaction. Times are Go duration
// strings, like every time of the result.
type Transaction struct {
	// Tx is the transaction's number: row Tx of the workload.
	Tx           int      `json:"tx"`
	Coordinator  string   `json:"coordinator"`
	Participants []string `json:"participants"`
	// Begun is when the row asked to commit.
	Begun string `json:"begun"`
	// Votes are the votes the participants sent, in time order.
	Votes []Vote `json:"votes"`
	// Decisions are the decisions the nodes made, in time order: the
	// coordinator's, and each participant's once on its disk.
	Decisions []Decision `json:"decisions"`
	// InDoubt are the participants' uncertainty periods: from a YES to
	// the participant's decision (To empty: still in doubt at the end).
	InDoubt []Doubt `json:"in_doubt"`
	// Outcome is committed, aborted, blocked, mixed or "not begun".
	Outcome string `json:"outcome"`
}

// Vote is one participant's vote: yes or no.
type Vote struct {
	Participant string `json:"participant"`
	Vote        string `json:"vote"`
	At          string `json:"at"`
}

// Decision is one node's decision: commit or abort, and why ("all voted
// yes", "vote timeout: no vote from P2", "from C", "voted no").
type Decision struct {
	Node    string `json:"node"`
	Outcome string `json:"outcome"`
	At      string `json:"at"`
	Why     string `json:"why"`
}

// Doubt is one uncertainty period of a participant.
type Doubt struct {
	Participant string `json:"participant"`
	From        string `json:"from"`
	To          string `json:"to,omitempty"`
}

// TransactionsOf returns the transactions of a system's result; none for
// another system.
func TransactionsOf(sys *report.System) []Transaction {
	txs, _ := sys.Part(TransactionsPart).([]Transaction)
	return txs
}

// blocked lists the participants still in doubt at the end of the run.
func (tr *Transaction) blocked() []string {
	var out []string
	for _, d := range tr.InDoubt {
		if d.To == "" {
			out = append(out, d.Participant)
		}
	}
	return out
}

// note writes a transaction for the table: the votes, the decisions and
// the uncertainty periods, nodes that did the same thing at the same time
// together.
func note(tr *Transaction) string {
	votes := make([]string, len(tr.Participants))
	for i, p := range tr.Participants {
		votes[i] = p + " none"
		for _, v := range tr.Votes {
			if v.Participant == p {
				votes[i] = p + " " + v.Vote
				break
			}
		}
	}
	parts := []string{"votes: " + strings.Join(votes, ", ")}
	var groups grouped
	for _, e := range tr.Decisions {
		groups.add(fmt.Sprintf("%s at %s (%s)", e.Outcome, e.At, e.Why), e.Node)
	}
	for _, g := range groups {
		parts = append(parts, strings.Join(g.nodes, ", ")+": "+g.what)
	}
	var doubts grouped
	for _, d := range tr.InDoubt {
		what := d.From + "-" + d.To
		if d.To == "" {
			what = "from " + d.From + " to the end"
		}
		doubts.add(what, d.Participant)
	}
	for i, g := range doubts {
		prefix := ""
		if i == 0 {
			prefix = "in doubt: "
		}
		parts = append(parts, prefix+strings.Join(g.nodes, ", ")+" "+g.what)
	}
	return strings.Join(parts, "; ")
}

// grouped gathers the nodes that did the same thing, in the order things
// were first done.
type grouped []struct {
	what  string
	nodes []string
}

func (g *grouped) add(what, node string) {
	for i := range *g {
		if (*g)[i].what == what {
			(*g)[i].nodes = append((*g)[i].nodes, node)
			return
		}
	}
	*g = append(*g, struct {
		what  string
		nodes []string
	}{what, []string{node}})
}

// Metrics are the sweep metrics of the transactions.
var Metrics = []*report.Metric{
	{Name: "transactions", Order: 300, Param: "OUTCOME", Unit: "transactions",
		Doc: "two_phase_commit rows by outcome: transactions.committed, .aborted, .blocked, .mixed, .not_begun",
		Eval: func(_ *report.Result, ss []*report.System, outcome string) float64 {
			return report.SumSystems(ss, func(s *report.System) float64 {
				if s.Part(TransactionsPart) == nil {
					return math.NaN()
				}
				n := 0
				for _, tr := range TransactionsOf(s) {
					if strings.ReplaceAll(tr.Outcome, " ", "_") == strings.ToLower(outcome) {
						n++
					}
				}
				return float64(n)
			})
		}},
	{Name: "in_doubt.total", Order: 310, Unit: "s",
		Doc:  "time two_phase_commit participants spent in doubt, from their YES to the decision (or the end of the run), summed",
		Eval: inDoubt(false)},
	{Name: "in_doubt.max", Order: 320, Unit: "s",
		Doc:  "longest time a two_phase_commit participant spent in doubt",
		Eval: inDoubt(true)},
}

// inDoubt sums the uncertainty periods, or takes the longest.
func inDoubt(longest bool) func(*report.Result, []*report.System, string) float64 {
	return func(_ *report.Result, ss []*report.System, _ string) float64 {
		return report.SumSystems(ss, func(s *report.System) float64 {
			if s.Part(TransactionsPart) == nil {
				return math.NaN()
			}
			total, most := 0.0, 0.0
			for _, tr := range TransactionsOf(s) {
				for _, d := range tr.InDoubt {
					to := d.To
					if to == "" {
						to = s.End
					}
					x := report.Seconds(to) - report.Seconds(d.From)
					total += x
					most = math.Max(most, x)
				}
			}
			if longest {
				return most
			}
			return total
		})
	}
}

// Invariants are the atomic commitment conditions of BHG §7.3 that
// concern safety, checked on every run.
var Invariants = []scenarios.Invariant{
	{Name: "atomicity", Doc: "No two nodes decide a transaction differently (BHG's AC1).",
		Check: eachTransaction(func(tr *Transaction) string {
			for _, e := range tr.Decisions[min(1, len(tr.Decisions)):] {
				if first := tr.Decisions[0]; e.Outcome != first.Outcome {
					return fmt.Sprintf("%s decided %s at %s, %s %s at %s", first.Node, first.Outcome, first.At, e.Node, e.Outcome, e.At)
				}
			}
			return ""
		})},
	{Name: "no_reversal", Doc: "No node changes its decision on a transaction (BHG's AC2).",
		Check: eachTransaction(func(tr *Transaction) string {
			for i, e := range tr.Decisions {
				for _, later := range tr.Decisions[i+1:] {
					if later.Node == e.Node && later.Outcome != e.Outcome {
						return fmt.Sprintf("%s decided %s at %s, then %s at %s", e.Node, e.Outcome, e.At, later.Outcome, later.At)
					}
				}
			}
			return ""
		})},
	{Name: "commit_needs_all_yes", Doc: "A transaction commits only if every participant voted YES before, and none voted NO (BHG's AC3).",
		Check: eachTransaction(func(tr *Transaction) string {
			for _, e := range tr.Decisions {
				if e.Outcome != "commit" {
					continue
				}
				for _, p := range tr.Participants {
					if v := voteBefore(tr, p, report.Seconds(e.At)); v != "yes" {
						return fmt.Sprintf("%s decided commit at %s, but %s %s", e.Node, e.At, p, v)
					}
				}
				return ""
			}
			return ""
		})},
}

// voteBefore says how participant p voted up to time at: "yes", "voted
// no", or "had not voted yes".
func voteBefore(tr *Transaction, p string, at float64) string {
	yes := false
	for _, v := range tr.Votes {
		switch {
		case v.Participant != p:
		case v.Vote == "no":
			return "voted no at " + v.At
		case report.Seconds(v.At) <= at:
			yes = true
		}
	}
	if yes {
		return "yes"
	}
	return "had not voted yes"
}

// eachTransaction makes an invariant's Check of a check of one
// transaction, which returns what is wrong or "".
func eachTransaction(check func(tr *Transaction) string) func(*scenarios.Scenario, *report.System) []string {
	return func(_ *scenarios.Scenario, sys *report.System) []string {
		var out []string
		txs := TransactionsOf(sys)
		for i := range txs {
			if msg := check(&txs[i]); msg != "" {
				out = append(out, fmt.Sprintf("T%d: %s", txs[i].Tx, msg))
			}
		}
		return out
	}
}
