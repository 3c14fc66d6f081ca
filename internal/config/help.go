package config

import (
	"slices"
	"strings"
)

// The settings table's columns: name, default, meaning; a cell too long for its column ends its
// line and the next cell starts at its own column on the next one, so the columns stay aligned.
const (
	nameWidth    = 28
	defaultWidth = 22
	lineWidth    = 110
	meaningCol   = 2 + nameWidth + 1 + defaultWidth + 1
)

// HelpHeader says where settings come from.
const HelpHeader = "Settings (environment; a .env file in the working directory is read, the real environment wins):\n"

// Help is the table of every setting (`claude-gitlab help settings`).
func Help() string {
	return HelpHeader + table(Settings)
}

// HelpFor is the table of the settings named (any name of a row matches), in the order of Settings.
func HelpFor(names ...string) string {
	var rows []Setting
	for _, s := range Settings {
		if slices.ContainsFunc(strings.Split(s.Name, ", "), func(n string) bool { return slices.Contains(names, n) }) {
			rows = append(rows, s)
		}
	}
	return table(rows)
}

func table(rows []Setting) string {
	var b strings.Builder
	for _, s := range rows {
		def := s.Default
		if def == "" {
			def = "-"
		}
		names := strings.Split(s.Name, ", ")
		line := "  " + s.Name
		if len(s.Name) > nameWidth { // several names: one a line
			for _, n := range names[:len(names)-1] {
				b.WriteString("  " + n + ",\n")
			}
			line = "  " + names[len(names)-1]
		}
		line = cell(&b, line, 2+nameWidth+1)
		if parts := wrapList(def, lineWidth-(2+nameWidth+1)); len(parts) > 1 { // a long default, e.g. a list of tools
			for _, p := range parts[:len(parts)-1] {
				b.WriteString(line + p + "\n")
				line = strings.Repeat(" ", 2+nameWidth+1)
			}
			def = parts[len(parts)-1]
		}
		line = cell(&b, line+def, meaningCol)
		for i, w := range wrap(s.Meaning, lineWidth-meaningCol) {
			if i > 0 {
				line = strings.Repeat(" ", meaningCol)
			}
			b.WriteString(strings.TrimRight(line+w, " ") + "\n")
		}
	}
	return b.String()
}

// cell pads line to col, or ends it and starts the next at col when it is already past.
func cell(b *strings.Builder, line string, col int) string {
	if n := len([]rune(line)); n < col {
		return line + strings.Repeat(" ", col-n)
	}
	b.WriteString(line + "\n")
	return strings.Repeat(" ", col)
}

// wrap breaks text into lines of at most width runes, at spaces.
func wrap(text string, width int) []string {
	var out []string
	line := ""
	for _, w := range strings.Fields(text) {
		switch {
		case line == "":
			line = w
		case len([]rune(line))+1+len([]rune(w)) <= width:
			line += " " + w
		default:
			out = append(out, line)
			line = w
		}
	}
	return append(out, line)
}

// wrapList breaks a comma-separated list into lines of at most width runes, after commas.
func wrapList(list string, width int) []string {
	var out []string
	line := ""
	for _, item := range strings.SplitAfter(list, ",") {
		if line != "" && len([]rune(line+item)) > width {
			out = append(out, line)
			line = ""
		}
		line += item
	}
	return append(out, line)
}
