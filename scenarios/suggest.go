package scenarios

import (
	"strconv"
	"strings"
)

// suggestName returns the candidate that s most likely misspells, or "" when
// none is close. A candidate is close when it equals s ignoring case, is at
// most two edits away (one for inputs of one or two characters; swapping two
// adjacent letters is one edit), or when one of the two is a prefix of the
// other. The closest wins; ties go to the earlier candidate.
func suggestName(s string, candidates []string) string {
	ls := strings.ToLower(s)
	best, bestScore := "", 1<<30
	for _, c := range candidates {
		lc := strings.ToLower(c)
		score := 1 << 30
		maxEdits := 2
		if len(ls) <= 2 {
			maxEdits = 1
		}
		if d := editDistance(ls, lc); d <= maxEdits {
			score = d
		} else if (len(ls) >= 2 && strings.HasPrefix(lc, ls)) || (len(lc) >= 3 && strings.HasPrefix(ls, lc)) {
			score = maxEdits + 1
		}
		if score < bestScore {
			best, bestScore = c, score
		}
	}
	return best
}

// editDistance is the optimal-string-alignment distance of a and b:
// insertions, deletions, substitutions and transpositions of adjacent
// characters each count one. Inputs longer than 64 bytes are compared by
// their first 64 bytes plus their length difference, so that the cost stays
// small whatever the input.
func editDistance(a, b string) int {
	const maxLen = 64
	extra := 0
	if len(a) > maxLen {
		extra += len(a) - maxLen
		a = a[:maxLen]
	}
	if len(b) > maxLen {
		extra -= len(b) - maxLen
		b = b[:maxLen]
	}
	if extra < 0 {
		extra = -extra
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)] + extra
}

// didYouMean is the end of an "unknown X" message: a suggestion when one is
// close, otherwise the list of valid names introduced by what (e.g. "valid
// keys"), or nothing when what is "" (the message lists them already).
func didYouMean(s string, candidates []string, what string) string {
	if c := suggestName(s, candidates); c != "" {
		return "; did you mean " + strconv.Quote(c) + "?"
	}
	if len(candidates) == 0 || what == "" {
		return ""
	}
	return " (" + what + ": " + strings.Join(candidates, ", ") + ")"
}
