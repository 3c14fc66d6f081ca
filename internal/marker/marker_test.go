package marker

import "testing"

// The bytes of each marker are what notes already posted in GitLab carry: a change here would
// make resumed jobs post again and later reviews miss their findings.
func TestFormats(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Job(42), "<!-- claude-gitlab:job=42 -->"},
		{Part(42, 3), "<!-- claude-gitlab:job=42 part=3 -->"},
		{Settings(42), "<!-- claude-gitlab:job=42:settings -->"},
		{Suggestion(42), "<!-- claude-gitlab:job=42 suggestion -->"},
		{Finding(42, "0123456789abcdef"), "<!-- claude-gitlab:job=42 finding=0123456789abcdef -->"},
		{Fixed(42, "0123456789abcdef"), "<!-- claude-gitlab:job=42 fixed=0123456789abcdef -->"},
		{PipelineFix, "<!-- claude-gitlab:pipeline-fix -->"},
		{PipelineHelp, "<!-- claude-gitlab:pipeline-fix-help -->"},
	} {
		if c.got != c.want {
			t.Errorf("marker %q, want %q", c.got, c.want)
		}
	}
}

func TestReadJob(t *testing.T) {
	for _, body := range []string{
		"answer\n" + Job(12), "part\n" + Part(12, 2), Settings(12), Suggestion(12),
		Finding(12, "0123456789abcdef"), "x " + Fixed(12, "0123456789abcdef") + " y",
	} {
		if id, ok := JobOf(body); !ok || id != 12 || !HasJob(body) {
			t.Errorf("JobOf(%q) = %d, %v; want 12", body, id, ok)
		}
		if !OfJob(body, 12) || OfJob(body, 1) || OfJob(body, 121) {
			t.Errorf("OfJob(%q) does not tell job 12 from jobs 1 and 121", body)
		}
	}
	for _, body := range []string{"", "no marker", PipelineFix, PipelineHelp, "claude-gitlab:job=12"} {
		if _, ok := JobOf(body); ok || HasJob(body) || OfJob(body, 12) {
			t.Errorf("%q read as a job's marker", body)
		}
	}
	if id, _ := JobOf(Job(7) + Job(8)); id != 7 || !OfJob(Job(7)+Job(8), 8) {
		t.Errorf("two markers: first %d, or job 8 missed", id)
	}
}

func TestFindingID(t *testing.T) {
	id, ok := FindingID("**x**\n" + Finding(12, "0123456789abcdef"))
	if !ok || id != "0123456789abcdef" {
		t.Fatalf("FindingID = %q, %v", id, ok)
	}
	for _, body := range []string{Job(12), Fixed(12, "0123456789abcdef"), Finding(12, "short")} {
		if _, ok := FindingID(body); ok {
			t.Errorf("%q read as a finding", body)
		}
	}
}

func TestStrip(t *testing.T) {
	if got := Strip("answer\n" + Job(3) + " and " + PipelineFix); got != "answer and " {
		t.Errorf("Strip = %q", got)
	}
}
