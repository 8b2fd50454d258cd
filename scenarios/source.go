package scenarios

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// MaxInputBytes bounds a scenario file: it is read no further, so that a
// huge file, /dev/zero or /dev/urandom is refused at once instead of
// filling memory before the parser sees it (design rule 7). The largest
// built-in scenario is under 10 KB.
const MaxInputBytes = 1 << 20

// ErrIO marks an error in reading a scenario that is not the input's fault
// (a permission, a device or a disk error), as opposed to a missing or
// malformed scenario: the command line exits with its own status for it.
var ErrIO = errors.New("cannot read")

// ReadSource returns the file name and the bytes of the scenario named on
// the command line: a YAML file if one exists at arg, otherwise a built-in
// scenario by name (with or without ".yaml", with or without the
// "scenarios/" folder), named "builtin:NAME.yaml" in errors. A directory
// is refused as such, and a file larger than MaxInputBytes is refused
// before it is read whole.
func ReadSource(arg string) (string, []byte, error) {
	st, err := os.Stat(arg)
	switch {
	case err == nil && st.IsDir():
		return "", nil, &Error{File: arg, Msg: "is a directory, not a scenario file (give a .yaml file, or the name of a built-in scenario: sim list)"}
	case err == nil:
		data, err := readFile(arg)
		if err != nil {
			return "", nil, err
		}
		return arg, data, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", nil, &Error{File: arg, Msg: "cannot read the scenario: " + pathErr(err), cause: ErrIO}
	}
	name := strings.TrimSuffix(path.Base(strings.ReplaceAll(arg, `\`, "/")), ".yaml")
	if file, data, ok := BuiltInFile(name); ok {
		return file, data, nil
	}
	msg := "no such file, and no built-in scenario of that name"
	if s := suggestName(name, BuiltInNames()); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else {
		msg += " (run 'sim list' to see them)"
	}
	return "", nil, &Error{File: arg, Msg: msg}
}

// readFile reads a scenario file, at most MaxInputBytes of it.
func readFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, &Error{File: name, Msg: "cannot read the scenario: " + pathErr(err), cause: ioCause(err)}
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > MaxInputBytes {
		return nil, tooLargeInput(name, fmt.Sprintf("is %d bytes", st.Size()))
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxInputBytes+1))
	if err != nil {
		return nil, &Error{File: name, Msg: "cannot read the scenario: " + pathErr(err), cause: ErrIO}
	}
	if len(data) > MaxInputBytes {
		return nil, tooLargeInput(name, fmt.Sprintf("has more than %d bytes", MaxInputBytes))
	}
	return data, nil
}

func tooLargeInput(name, size string) *Error {
	return &Error{File: name, Msg: fmt.Sprintf("the scenario %s; a scenario may have at most %d bytes (1 MiB)", size, MaxInputBytes)}
}

// pathErr is the reason of a file error without the path, which the
// message already starts with.
func pathErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// ioCause classifies an error of opening a file: a missing file is the
// input's fault, anything else (permissions, devices) is an I/O failure.
func ioCause(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return ErrIO
}
