package sim

import (
	"testing"
	"time"
)

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{300 * time.Millisecond, "300ms"},
		{1500 * time.Millisecond, "1.5s"},
		{59 * time.Second, "59s"},
		{time.Minute, "60s"},
		{65 * time.Second, "65s"},
		{70*time.Second + 20*time.Millisecond, "70.02s"},
		{time.Hour + time.Nanosecond, "3600.000000001s"},
		{-65 * time.Second, "-65s"},
		{-2 * time.Millisecond, "-2ms"},
	}
	for _, tc := range tests {
		if got := FormatDuration(tc.d); got != tc.want {
			t.Errorf("FormatDuration(%v) = %q; want %q", int64(tc.d), got, tc.want)
		}
	}
}
