package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/imagewarden/imagewarden/internal/inert"
)

// printError writes the error a command returned, and for a command line
// cobra could not parse a pointer to --help.
func printError(w io.Writer, err error) {
	fmt.Fprintf(w, "imagewarden: %s\n", errorText(err))
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(w, "Run 'imagewarden --help' for usage.")
	}
}

// errorText is an error's text made inert for the terminal: errors quote
// file names and input text, so each is escaped on one line (inert.Line:
// its own newlines too, so no line of it can pass for a line of ours).
// The errors of an errors.Join stay on lines of their own, indented under
// the first.
func errorText(err error) string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var parts []string
		for _, e := range j.Unwrap() {
			parts = append(parts, errorText(e))
		}
		if len(parts) > 0 {
			return strings.Join(parts, "\n  ")
		}
	}
	return inert.Line(err.Error())
}
