package agent

import (
	"bufio"
	"errors"
	"io"
)

// maxLineBytes bounds one stream-json line. Lines are small except tool results (a file the CLI
// read) and the result itself; a longer line is skipped, not fatal.
const maxLineBytes = 4 << 20

// errOutputLimit: the total read passed the bound.
var errOutputLimit = errors.New("output limit reached")

// lineReader reads lines with a bound on each line and on the total, so that a runaway CLI cannot
// make the service hold its output in memory.
type lineReader struct {
	r        *bufio.Reader
	maxLine  int
	maxTotal int64
	total    int64
	buf      []byte
}

func newLineReader(r io.Reader, maxTotal int64) *lineReader {
	maxLine := maxLineBytes
	if maxTotal < int64(maxLine) {
		maxLine = int(maxTotal)
	}
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), maxLine: maxLine, maxTotal: maxTotal}
}

// next returns the next line without its newline, valid until the following call. oversized
// says the line was longer than the bound: line is then its first maxLine bytes only. At the end it returns
// io.EOF (or the read error), or errOutputLimit once the total passed the bound.
func (lr *lineReader) next() (line []byte, oversized bool, err error) {
	lr.buf = lr.buf[:0]
	for {
		chunk, err := lr.r.ReadSlice('\n')
		lr.total += int64(len(chunk))
		if lr.total > lr.maxTotal {
			return nil, false, errOutputLimit
		}
		if !oversized && len(lr.buf)+len(chunk) <= lr.maxLine+1 { // +1: the newline
			lr.buf = append(lr.buf, chunk...)
		} else if !oversized {
			// Keep the line's first maxLine bytes, for salvageResult; drop the rest.
			oversized = true
			lr.buf = append(lr.buf, chunk[:max(0, min(len(chunk), lr.maxLine-len(lr.buf)))]...)
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case oversized:
			return lr.buf, true, nil
		case err == nil:
			return lr.buf[:len(lr.buf)-1], false, nil // without the newline
		case len(lr.buf) > 0:
			return lr.buf, false, nil // a last line without newline; the error comes next call
		default:
			return nil, false, err
		}
	}
}
