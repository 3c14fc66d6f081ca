package review

// Earlier is a finding posted by an earlier review, as its diff discussion shows it now.
type Earlier struct {
	ID           string // from the discussion's hidden marker
	DiscussionID string
	Resolved     bool
	Path         string
	Line         int
	Text         string // the comment as posted, for the prompt of the next review
}

// Inline is a finding with the diff position it is posted at.
type Inline struct {
	Finding
	Position Position
}

// Plan is what a review posts.
type Plan struct {
	Inline   []Inline  // diff discussions to start
	Summary  []Finding // findings outside the diff: listed in the summary
	Repeated []Finding // raised by an earlier review already: not posted again
	Resolve  []Earlier // earlier findings the new commits fixed: resolved with a reply
}

// MakePlan decides where each finding goes. A finding an earlier review raised (same id, open
// or resolved by someone) is never posted again; an open earlier finding that Claude reports
// fixed and does not raise again is resolved.
func MakePlan(r Result, files []File, earlier []Earlier) Plan {
	var p Plan
	known := map[string]bool{}
	for _, e := range earlier {
		known[e.ID] = true
	}
	current := map[string]bool{}
	for _, f := range r.Findings {
		id := f.ID()
		if current[id] {
			continue // the same remark twice in one review
		}
		current[id] = true
		if known[id] {
			p.Repeated = append(p.Repeated, f)
			continue
		}
		if pos, ok := Place(files, f); ok {
			p.Inline = append(p.Inline, Inline{Finding: f, Position: pos})
		} else {
			p.Summary = append(p.Summary, f)
		}
	}
	fixed := map[string]bool{}
	for _, id := range r.Fixed {
		fixed[id] = true
	}
	for _, e := range earlier {
		if fixed[e.ID] && !e.Resolved && !current[e.ID] {
			p.Resolve = append(p.Resolve, e)
		}
	}
	return p
}
