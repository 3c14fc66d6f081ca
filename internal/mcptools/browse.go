package mcptools

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/prompt"
)

type searchIn struct {
	Project string   `json:"project,omitempty" jsonschema:"path of the project; this job's project when empty"`
	Kind    string   `json:"kind,omitempty" jsonschema:"issues (the default) or merge_requests"`
	Text    string   `json:"text,omitempty" jsonschema:"words to find in titles and descriptions"`
	Labels  []string `json:"labels,omitempty" jsonschema:"labels the results all have"`
	State   string   `json:"state,omitempty" jsonschema:"opened, closed, merged (merge requests) or all (the default)"`
	Limit   int      `json:"limit,omitempty" jsonschema:"how many results, 1 to 20 (10 by default)"`
}

func searchOf(in searchIn, noConfidential bool) gitlab.Search {
	limit := in.Limit
	if limit <= 0 {
		limit = 10
	}
	return gitlab.Search{Text: prompt.Bound(in.Text, 200), Labels: in.Labels, State: in.State, NoConfidential: noConfidential,
		Limit: min(limit, maxSearchResults)}
}

type progressIn struct {
	Steps []ProgressItem `json:"steps" jsonschema:"the whole checklist, in order"`
}

type changesIn struct {
	Project   string `json:"project,omitempty" jsonschema:"path of the project; this job's project when empty"`
	IID       int64  `json:"iid" jsonschema:"the merge request's number"`
	VersionID int64  `json:"version_id,omitempty" jsonschema:"a diff version's id; the latest changes when 0"`
}

type pathIn struct {
	Project string `json:"project,omitempty" jsonschema:"path of the project; this job's project when empty"`
	Path    string `json:"path,omitempty" jsonschema:"file or directory in the repository; the root when empty"`
	Ref     string `json:"ref,omitempty" jsonschema:"branch, tag or commit SHA; the default branch when empty"`
}

type commitsIn struct {
	Project string `json:"project,omitempty" jsonschema:"path of the project; this job's project when empty"`
	From    string `json:"from" jsonschema:"the older ref"`
	To      string `json:"to" jsonschema:"the newer ref"`
}

type pipelineIn struct {
	Project    string `json:"project,omitempty" jsonschema:"path of the project; this job's project when empty"`
	PipelineID int64  `json:"pipeline_id" jsonschema:"the pipeline's id"`
}

type jobLogIn struct {
	Project string `json:"project,omitempty" jsonschema:"path of the project; this job's project when empty"`
	JobID   int64  `json:"job_id" jsonschema:"the CI job's id"`
	Bytes   int    `json:"bytes,omitempty" jsonschema:"how much of the log's end, at most 65536 (16384 by default)"`
}

func isNotFound(err error) bool { return errors.Is(err, gitlab.ErrNotFound) }

// writeNotes writes one page of the thread's comments, oldest first. Internal notes are left
// out unless the job may see confidential things of this project.
func (t *tools) writeNotes(ctx context.Context, b *strings.Builder, p target, kind string, iid int64, page int) error {
	notes, err := t.s.gl.ListNotes(ctx, gitlab.ThreadRef{ProjectID: p.id, Type: kind, IID: iid}, gitlab.ListNotesOptions{ExcludeSystem: true})
	if err != nil {
		return fmt.Errorf("read the comments: %w", err)
	}
	var keep []gitlab.Note
	for _, n := range notes {
		if !n.Internal || t.g.seesConfidential(p) {
			keep = append(keep, n)
		}
	}
	pages := max(1, (len(keep)+notesPerPage-1)/notesPerPage)
	page = min(max(page, 1), pages)
	from := (page - 1) * notesPerPage
	fmt.Fprintf(b, "<discussion comments=\"%d\" page=\"%d\" pages=\"%d\">\n", len(keep), page, pages)
	for _, n := range keep[from:min(from+notesPerPage, len(keep))] {
		fmt.Fprintf(b, "<comment author=\"@%s\" at=%q>\n%s\n</comment>\n", n.AuthorUsername, n.CreatedAt.UTC().Format("2006-01-02 15:04"), prompt.Bound(n.Body, maxNoteChars))
	}
	b.WriteString("</discussion>\n")
	if page < pages {
		fmt.Fprintf(b, "<more>page %d of %d: ask for page %d for later comments</more>\n", page, pages, page+1)
	}
	return nil
}

func (t *tools) mrChanges(ctx context.Context, in changesIn) (string, string, error) {
	p, err := t.g.project(ctx, t.s.gl, in.Project)
	if err != nil {
		return "", "", err
	}
	vs, err := t.s.gl.MergeRequestVersions(ctx, p.id, in.IID)
	if err != nil {
		return "", "", notReadable("merge request", in.IID, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<versions count=\"%d\">\n", len(vs))
	for _, v := range vs[:min(len(vs), maxVersions)] {
		fmt.Fprintf(&b, "<version id=\"%d\" base=%q head=%q/>\n", v.ID, v.Base, v.Head)
	}
	b.WriteString("</versions>\n")
	var files []gitlab.DiffFile
	if in.VersionID != 0 {
		files, err = t.s.gl.MergeRequestVersionDiff(ctx, p.id, in.IID, in.VersionID)
	} else {
		files, err = t.s.gl.MergeRequestDiff(ctx, p.id, in.IID, maxDiffChars)
	}
	if err != nil {
		return "", "", fmt.Errorf("read the changes: %w", err)
	}
	fmt.Fprintf(&b, "<changes files=\"%d\">\n", len(files))
	used := 0
	for i, f := range files {
		if i == maxDiffFiles {
			fmt.Fprintf(&b, "<omitted>%d more files</omitted>\n", len(files)-i)
			break
		}
		diff := f.Diff
		if used+len(diff) > maxDiffChars {
			diff = "" // over the bound: the path still says it changed
		}
		used += len(diff)
		fmt.Fprintf(&b, "<file old_path=%q new_path=%q new=\"%t\" deleted=\"%t\" diff_left_out=\"%t\">\n%s</file>\n",
			attr(f.OldPath), attr(f.NewPath), f.New, f.Deleted, diff == "" && (f.Diff != "" || f.Truncated), diff)
	}
	b.WriteString("</changes>")
	return p.path, b.String(), nil
}

func (t *tools) readPath(ctx context.Context, in pathIn) (string, string, error) {
	p, err := t.g.project(ctx, t.s.gl, in.Project)
	if err != nil {
		return "", "", err
	}
	ref := in.Ref
	if ref == "" {
		ref = "HEAD"
	}
	path := strings.Trim(in.Path, "/")
	if path != "" {
		data, err := t.s.gl.RawFile(ctx, p.id, path, ref)
		if err == nil {
			return p.path, fmt.Sprintf("<file path=%q ref=%q bytes=\"%d\">\n%s\n</file>", attr(path), attr(ref), len(data), prompt.Bound(string(data), maxFileBytes)), nil
		}
		if !isNotFound(err) {
			return "", "", err
		}
	}
	entries, more, err := t.s.gl.Tree(ctx, p.id, path, ref, maxTreeEntries)
	if err != nil {
		return "", "", fmt.Errorf("%q at %s: no such file or directory (%w)", path, ref, err)
	}
	if len(entries) == 0 && path != "" {
		return "", "", fmt.Errorf("%q at %s: no such file or directory", path, ref)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<directory path=%q ref=%q>\n", attr(path), attr(ref))
	for _, e := range entries {
		suffix := ""
		if e.Type == "tree" {
			suffix = "/"
		}
		b.WriteString(e.Path + suffix + "\n")
	}
	if more {
		fmt.Fprintf(&b, "<omitted>more than %d entries</omitted>\n", maxTreeEntries)
	}
	b.WriteString("</directory>")
	return p.path, b.String(), nil
}

func (t *tools) commits(ctx context.Context, in commitsIn) (string, string, error) {
	p, err := t.g.project(ctx, t.s.gl, in.Project)
	if err != nil {
		return "", "", err
	}
	if in.From == "" || in.To == "" {
		return "", "", errors.New("from and to are both needed")
	}
	list, total, err := t.s.gl.Compare(ctx, p.id, in.From, in.To, maxCommits)
	if err != nil {
		return "", "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<commits from=%q to=%q count=\"%d\">\n", attr(in.From), attr(in.To), total)
	if total > len(list) {
		fmt.Fprintf(&b, "<omitted>%d older commits</omitted>\n", total-len(list))
	}
	// 12 characters, not event.ShortSHA's 8: the model passes these ids back as from and to, and
	// they must stay unambiguous in a long history.
	for _, c := range list {
		fmt.Fprintf(&b, "%s %s %s — %s\n", c.SHA[:min(12, len(c.SHA))], c.Date.UTC().Format("2006-01-02"), prompt.Bound(c.Title, 200), c.Author)
	}
	b.WriteString("</commits>")
	return p.path, b.String(), nil
}

func (t *tools) pipelineJobs(ctx context.Context, in pipelineIn) (string, string, error) {
	p, err := t.g.project(ctx, t.s.gl, in.Project)
	if err != nil {
		return "", "", err
	}
	jobs, err := t.s.gl.PipelineJobs(ctx, p.id, in.PipelineID, maxJobs)
	if err != nil {
		return "", "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<pipeline id=\"%d\" jobs=\"%d\">\n", in.PipelineID, len(jobs))
	for _, j := range jobs {
		fmt.Fprintf(&b, "<job id=\"%d\" name=%q stage=%q status=%q/>\n", j.ID, attr(j.Name), attr(j.Stage), j.Status)
	}
	b.WriteString("</pipeline>")
	return p.path, b.String(), nil
}

func (t *tools) jobLog(ctx context.Context, in jobLogIn) (string, string, error) {
	p, err := t.g.project(ctx, t.s.gl, in.Project)
	if err != nil {
		return "", "", err
	}
	n := in.Bytes
	if n <= 0 {
		n = defaultLogBytes
	}
	n = min(n, maxLogBytes)
	tail, cutOff, err := t.s.gl.JobTraceTail(ctx, p.id, in.JobID, n)
	if err != nil {
		return "", "", err
	}
	return p.path, fmt.Sprintf("<job_log job_id=\"%d\" start_cut=\"%t\">\n%s\n</job_log>", in.JobID, cutOff, stripANSI(tail)), nil
}
