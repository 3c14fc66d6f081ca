package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/waitfor"
)

// browser is a headless Chromium (Debian's chromium package) driven over the DevTools protocol.
// Without chromium the test is skipped, unless CI=true: there it must run.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (apt-get install chromium): the job page must be tested in a browser in CI")
		}
		t.Skip("chromium is not installed; skipping the browser test")
	}
	profile, err := os.MkdirTemp("", "chromium-profile-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(profile),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		_ = chromedp.Cancel(ctx) // closes the browser and waits for it
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		os.RemoveAll(profile)
	})
	if err := chromedp.Run(ctx, chromedp.Navigate("about:blank")); err != nil { // start it now
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	var v T
	if err := chromedp.Run(ctx, chromedp.Evaluate(js, &v)); err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitJS polls a JavaScript condition in the page.
func waitJS(t *testing.T, ctx context.Context, js, what string) {
	t.Helper()
	if waitfor.Within(30*time.Second, func() bool {
		var ok bool
		return chromedp.Run(ctx, chromedp.Evaluate(js, &ok)) == nil && ok
	}) {
		return
	}
	var html string
	_ = chromedp.Run(ctx, chromedp.OuterHTML("html", &html))
	t.Fatalf("the page never showed %s:\n%s", what, html)
}

var jobLink = regexp.MustCompile(`\(http://claude\.test(/jobs/\d+\?t=[A-Za-z0-9_-]+)\)`)

// The job page in a real browser: opened from the link in the progress note, its transcript
// grows while the agent streams (no reload), an issue title holding a <script> shows as text
// and never runs, a wrong token is refused, and the operator signs in to the list.
func TestJobPageInBrowser(t *testing.T) {
	ctx := browser(t)
	const admin = "operator-token-for-the-browser-test"
	w := newWorld(t, "PUBLIC_URL=http://claude.test", "ADMIN_TOKEN="+admin)
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, `<script>window.__xss=1</script>Fix <img src=x onerror="window.__xss=2"> it`, "", false)
	ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, "@claude tell me in steps\n"+
		"FAKE_CLAUDE say first line\nFAKE_CLAUDE sleep 1\nFAKE_CLAUDE say second line\nFAKE_CLAUDE sleep 1\n"+
		"FAKE_CLAUDE say third line\nFAKE_CLAUDE answer All three lines said.")
	w.deliver(ev, body, http.StatusAccepted)

	var path string
	waitfor.Within(20*time.Second, func() bool {
		for _, n := range w.botNotes(fakegitlab.ThreadIssue, ref(issue.IID)) {
			if m := jobLink.FindStringSubmatch(n.Body); m != nil {
				path = m[1]
			}
		}
		return path != ""
	})
	if path == "" {
		t.Fatalf("no job link in the progress note: %+v\n%s", w.botNotes(fakegitlab.ThreadIssue, ref(issue.IID)), w.svc.logs)
	}
	if err := chromedp.Run(ctx, chromedp.Navigate(w.svc.url+path)); err != nil {
		t.Fatal(err)
	}
	if eval[bool](t, ctx, `[...document.querySelectorAll('#transcript .text')].some(e => e.textContent === 'third line')`) {
		t.Fatal("the run was over before the page opened: the test cannot see the transcript grow")
	}
	eval[bool](t, ctx, `window.__marker = true`) // gone if the page reloads
	waitJS(t, ctx, `[...document.querySelectorAll('#transcript .text')].some(e => e.textContent === 'second line')`, "the second line")
	waitJS(t, ctx, `[...document.querySelectorAll('#transcript .text')].some(e => e.textContent === 'third line') && window.__marker === true`,
		"the third line streamed in without a reload")

	// When the job ends the page reloads with its final state.
	waitJS(t, ctx, `document.getElementById('state').textContent === 'answered' && !document.getElementById('transcript').dataset.events`, "the answered state")
	steps := eval[string](t, ctx, `document.getElementById('steps').innerText`)
	for _, want := range []string{"👀 given", "Claude Code", "Claude finished: ", "Answered in the thread"} {
		if !strings.Contains(steps, want) {
			t.Errorf("steps lack %q:\n%s", want, steps)
		}
	}
	if cost := eval[string](t, ctx, `document.getElementById('cost').textContent`); cost != "$0.0006" {
		t.Errorf("cost %q", cost)
	}
	if xss := eval[any](t, ctx, `window.__xss === undefined ? null : window.__xss`); xss != nil {
		t.Fatalf("script from the issue title ran: __xss=%v", xss)
	}
	if title := eval[string](t, ctx, `document.getElementById('title').textContent`); !strings.Contains(title, "<script>window.__xss=1</script>") {
		t.Fatalf("title shown as %q", title)
	}

	wrong := regexp.MustCompile(`t=[^&]+`).ReplaceAllString(path, "t=AAAAAAAAAAAAAAAAAAAAAA")
	if err := chromedp.Run(ctx, chromedp.Navigate(w.svc.url+wrong)); err != nil {
		t.Fatal(err)
	}
	if h1 := eval[string](t, ctx, `document.querySelector('h1').textContent`); h1 != "This link is not valid" {
		t.Fatalf("wrong token: %q", h1)
	}
	if resp, err := http.Get(w.svc.url + wrong); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("wrong token: %v %v", resp, err)
	}

	err := chromedp.Run(ctx, chromedp.Navigate(w.svc.url+"/jobs"),
		chromedp.WaitVisible(`input[name=token]`), chromedp.SendKeys(`input[name=token]`, admin),
		chromedp.Submit(`input[name=token]`), chromedp.WaitVisible(`#jobs`))
	if err != nil {
		t.Fatalf("operator sign-in: %v", err)
	}
	if row := eval[string](t, ctx, `document.querySelector('#jobs tbody tr').innerText`); !strings.Contains(row, "answered") || !strings.Contains(row, "$0.0006") {
		t.Fatalf("list row: %q", row)
	}
}
