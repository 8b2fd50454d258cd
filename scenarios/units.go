package scenarios

import (
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The units of the scenario format. Each parser takes the text of a YAML
// scalar and returns an error that completes "expected ..., got X".

// number matches a plain decimal number: no sign, no hex, no inf or NaN.
var number = regexp.MustCompile(`^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$`)

// numberUnit splits "10Mbps" or "1.5 KiB" into number and unit.
var numberUnit = regexp.MustCompile(`^((?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z/]*)$`)

// errNegative reports a negative quantity.
var errNegative = errors.New("negative")

// errTooLarge reports a quantity beyond what the simulator represents.
var errTooLarge = errors.New("too large")

// errSyntax reports text that is not of the expected form.
var errSyntax = errors.New("syntax")

// parseDuration parses a Go duration ("1.5s", "300ms", "1h30m") or a bare
// non-negative number of seconds ("10", "0.25", "1e3"). Durations are
// non-negative and at most about 292 years.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-") {
		if _, err := parseDuration(s[1:]); err == nil {
			return 0, errNegative
		}
		return 0, errSyntax
	}
	if number.MatchString(s) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, errTooLarge
		}
		ns := math.Round(f * float64(time.Second))
		if ns >= math.MaxInt64 {
			return 0, errTooLarge
		}
		return time.Duration(ns), nil
	}
	if s == "" || strings.HasPrefix(s, "+") {
		return 0, errSyntax
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		if strings.Contains(err.Error(), "invalid duration") || strings.Contains(err.Error(), "unknown unit") || strings.Contains(err.Error(), "missing unit") {
			return 0, errSyntax
		}
		return 0, errTooLarge
	}
	if d < 0 {
		return 0, errNegative
	}
	return d, nil
}

// sizeUnits maps a size unit, lower case, to its number of bytes. KB, MB,
// GB and TB are decimal (SI); KiB, MiB, GiB and TiB binary. Sizes are
// always in bytes. (The largest bound, limits.max_bytes_moved, is 1TiB.)
var sizeUnits = map[string]float64{
	"": 1, "b": 1, "byte": 1, "bytes": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// parseSize parses a size in bytes: "100B", "1KB" (1000), "1KiB" (1024),
// "1.5MB" or a bare integer. The result must be a whole number of bytes.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-") {
		if _, err := parseSize(s[1:]); err == nil {
			return 0, errNegative
		}
		return 0, errSyntax
	}
	m := numberUnit.FindStringSubmatch(s)
	if m == nil {
		return 0, errSyntax
	}
	mult, ok := sizeUnits[strings.ToLower(m[2])]
	if !ok {
		return 0, errSyntax
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, errTooLarge
	}
	v := f * mult
	if v >= 1<<53 {
		return 0, errTooLarge
	}
	if v != math.Trunc(v) {
		return 0, errSyntax
	}
	return int64(v), nil
}

// bandwidthPrefixes maps an SI prefix to its multiplier.
var bandwidthPrefixes = map[string]float64{"": 1, "k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6, "g": 1e9, "G": 1e9}

// parseBandwidth parses a rate in bits per second: "10Mbps", "1Gbps",
// "500kbps", "100bps", "2Mbit/s", a rate in bytes per second with a capital
// B ("1MB/s", "1MBps"), a bare number of bits per second, or "unlimited"
// (0, which is also what 0 means).
// ParseBandwidth parses a bandwidth as the format writes one ("10Mbps",
// "2MB/s", a bare number of bits per second, "unlimited") into bits per
// second, for options that take a data rate.
func ParseBandwidth(s string) (float64, error) { return parseBandwidth(s) }

func parseBandwidth(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "unlimited" {
		return 0, nil
	}
	if strings.HasPrefix(s, "-") {
		if _, err := parseBandwidth(s[1:]); err == nil {
			return 0, errNegative
		}
		return 0, errSyntax
	}
	m := numberUnit.FindStringSubmatch(s)
	if m == nil {
		return 0, errSyntax
	}
	unit := m[2]
	perByte := 0.0
	for _, suf := range []struct {
		s    string
		bits float64
	}{{"bps", 1}, {"bit/s", 1}, {"b/s", 1}, {"Bps", 8}, {"B/s", 8}} {
		if strings.HasSuffix(unit, suf.s) {
			unit, perByte = strings.TrimSuffix(unit, suf.s), suf.bits
			break
		}
	}
	if perByte == 0 {
		if unit != "" {
			return 0, errSyntax
		}
		perByte = 1
	}
	mult, ok := bandwidthPrefixes[unit]
	if !ok {
		return 0, errSyntax
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil || math.IsInf(f*mult*perByte, 0) {
		return 0, errTooLarge
	}
	return f * mult * perByte, nil
}

// parseProbability parses a probability: a number in [0, 1] or a percentage
// such as "30%".
func parseProbability(s string) (float64, error) {
	s = strings.TrimSpace(s)
	scale := 1.0
	if t, ok := strings.CutSuffix(s, "%"); ok {
		s, scale = strings.TrimSpace(t), 100
	}
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	if !number.MatchString(s) {
		return 0, errSyntax
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, errTooLarge
	}
	if neg {
		f = -f
	}
	f /= scale
	if !(f >= 0 && f <= 1) {
		return f, errTooLarge
	}
	return f, nil
}
