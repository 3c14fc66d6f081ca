package jobpage

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

// listLimit is how many jobs the list shows.
const listLimit = 100

// states the list can filter on (see status): jobstate's.
var states = func() []string {
	out := make([]string, len(jobstate.All))
	for i, s := range jobstate.All {
		out[i] = s.String()
	}
	return out
}()

type listView struct {
	Project, State string
	States         []string
	Rows           []rowView
}

type rowView struct {
	ID                              int64
	Link                            string
	Status, Project, Thread, Author string
	Created, Cost, Request          string
}

// list is the operator's list of recent jobs, filtered by ?project= and ?state=.
func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	if h.AdminToken == "" {
		h.message(w, r, http.StatusForbidden, "The job list is off", "Set ADMIN_TOKEN on the server to list jobs here.")
		return
	}
	if !h.isAdmin(r) {
		http.Redirect(w, r, "/jobs/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	project, state := strings.TrimSpace(r.URL.Query().Get("project")), r.URL.Query().Get("state")
	rows, err := h.rows(r, project, state)
	if err != nil {
		h.Log.Warn("job list", "error", err)
		h.message(w, r, http.StatusInternalServerError, "Could not list jobs", "Try again in a moment.")
		return
	}
	h.render(w, http.StatusOK, "list.html", listView{Project: project, State: state, States: states, Rows: rows})
}

// rows merges River's recent jobs (queued and running ones have no record yet) with the
// journal's records (kept after River forgets finished jobs).
func (h *handler) rows(r *http.Request, project, state string) ([]rowView, error) {
	infos, err := h.Jobs.List(r.Context(), 4*listLimit)
	if err != nil {
		return nil, err
	}
	recs, err := h.Journal.Recent(r.Context(), store.JobFilter{ProjectPath: project, Limit: 4 * listLimit})
	if err != nil {
		return nil, err
	}
	byID := map[int64]*found{}
	for i := range infos {
		if project == "" || infos[i].Request.Project.Path == project {
			byID[infos[i].ID] = &found{info: &infos[i], req: infos[i].Request}
		}
	}
	for i := range recs {
		f := byID[recs[i].JobID]
		if f == nil {
			f = &found{}
			byID[recs[i].JobID] = f
			_ = json.Unmarshal([]byte(recs[i].Request), &f.req)
		}
		f.rec = &recs[i]
	}
	ids := make([]int64, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] > ids[j] })
	var out []rowView
	for _, id := range ids {
		f := byID[id]
		f.status = status(f.rec, f.info)
		if state != "" && f.status != state {
			continue
		}
		out = append(out, row(id, f))
		if len(out) == listLimit {
			break
		}
	}
	return out, nil
}

func row(id int64, f *found) rowView {
	v := rowView{ID: id, Link: "jobs/" + strconv.FormatInt(id, 10), Status: f.status, Project: f.req.Project.Path,
		Thread: f.req.Thread.Ref(), Author: f.req.Author.Username, Cost: "-"}
	switch {
	case f.info != nil:
		v.Created = stamp(f.info.CreatedAt)
	case f.rec != nil:
		v.Created = stamp(f.rec.CreatedAt)
	}
	if f.rec != nil && (f.rec.CostUSD > 0 || f.rec.Turns > 0) {
		v.Cost = fmt.Sprintf("$%.4f", f.rec.CostUSD)
	}
	v.Request = oneLine(f.req.Text, 80)
	if f.confidential() {
		v.Request = "(confidential)"
	}
	return v
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
