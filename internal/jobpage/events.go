package jobpage

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/journal"
)

// heartbeat keeps proxies from closing an idle stream.
const heartbeat = 15 * time.Second

type wireLine struct {
	Seq  int64  `json:"seq"`
	At   string `json:"at"`
	Kind string `json:"kind"`
	Text string `json:"text"`
}

// events streams a job's transcript as Server-Sent Events: the stored lines after ?after= (or
// Last-Event-ID, on a reconnect), then new ones as they are written, then "end".
func (h *handler) events(w http.ResponseWriter, r *http.Request) {
	f, id, ok := h.allowed(w, r)
	if !ok {
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming not supported", http.StatusInternalServerError)
		return
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if last, err := strconv.ParseInt(r.Header.Get("Last-Event-ID"), 10, 64); err == nil && last > after {
		after = last
	}
	sub := h.Journal.Subscribe(id) // before reading the stored lines: none is missed between
	defer sub.Close()
	stored, err := h.Journal.Events(r.Context(), id, after)
	if err != nil {
		http.Error(w, "could not read the transcript", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no") // nginx: do not hold the stream back
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	for _, e := range stored {
		after = send(w, e, after)
	}
	flusher.Flush()
	if done, _, _ := h.lookup(r.Context(), id); done.finished() || f.finished() {
		fmt.Fprint(w, "event: end\ndata: {}\n\n")
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case e, ok := <-sub.C:
			if !ok {
				return // fell behind: the browser reconnects with Last-Event-ID
			}
			if e.Kind == journal.KindEnd {
				fmt.Fprint(w, "event: end\ndata: {}\n\n")
				flusher.Flush()
				return
			}
			after = send(w, e, after)
			flusher.Flush()
		case <-tick.C:
			fmt.Fprint(w, ": keep-alive\n\n")
			flusher.Flush()
		case <-r.Context().Done():
			return
		case <-h.Done:
			return
		}
	}
}

// send writes one line unless it was sent already, and returns the last seq sent.
func send(w http.ResponseWriter, e journal.Event, after int64) int64 {
	if e.Seq <= after {
		return after
	}
	data, _ := json.Marshal(wireLine{Seq: e.Seq, At: clock(e.At), Kind: e.Kind, Text: e.Text})
	fmt.Fprintf(w, "id: %d\nevent: line\ndata: %s\n\n", e.Seq, data)
	return e.Seq
}
