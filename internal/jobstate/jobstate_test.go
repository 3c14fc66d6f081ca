package jobstate

import "testing"

func TestOutcomeRoundTripsAndOldRecordsRead(t *testing.T) {
	for _, o := range []Outcome{{Answered, ""}, {Answered, "edited wiki page home (abc12345)"}, {Failed, "GitLab: 502: bad gateway"},
		{Refused, "below MIN_ACCESS_LEVEL"}, {Skipped, "bot's own"}, {Cancelled, "by an operator"}} {
		if got := ParseOutcome(o.String()); got != o {
			t.Errorf("%q read back as %+v", o.String(), got)
		}
	}
	for stored, want := range map[string]Outcome{
		"answered":                                   {Answered, ""},
		"failed: Something went wrong: x":            {Failed, "Something went wrong: x"},
		"edited wiki page home (abc12345)":           {Answered, "edited wiki page home (abc12345)"},
		"wiki page unchanged":                        {Answered, "wiki page unchanged"},
		"asked for help: past PIPELINE_FIX_ATTEMPTS": {Answered, "asked for help: past PIPELINE_FIX_ATTEMPTS"},
		"skipped: bot's own":                         {Skipped, "bot's own"},
		"something a newer version wrote":            {Skipped, "something a newer version wrote"},
	} {
		if got := ParseOutcome(stored); got != want {
			t.Errorf("old record %q read as %+v, want %+v", stored, got, want)
		}
	}
}

func TestOfPrefersTheRecordedOutcome(t *testing.T) {
	cases := []struct {
		river   string
		outcome Outcome
		want    Status
	}{
		{"cancelled", Outcome{Failed, "GitLab refused the token"}, Failed}, // a failure reply ends the job with JobCancel
		{"completed", Outcome{Answered, "edited wiki page x"}, Answered},
		{"completed", Outcome{Skipped, "bot's own"}, Skipped},
		{"running", Outcome{}, Running},
		{"available", Outcome{Failed, "x"}, Queued}, // retried by an operator: queued again
		{"running", Outcome{Cancelled, "x"}, Running},
		{"retryable", Outcome{}, Waiting},
		{"available", Outcome{}, Queued},
		{"scheduled", Outcome{}, Queued},
		{"cancelled", Outcome{}, Cancelled},
		{"discarded", Outcome{}, Failed},
	}
	for _, c := range cases {
		if got := Of(c.river, c.outcome); got != c.want {
			t.Errorf("Of(%s, %+v) = %s, want %s", c.river, c.outcome, got, c.want)
		}
	}
	if _, err := Parse("bogus"); err == nil {
		t.Fatal("Parse(bogus) accepted")
	}
	if s, err := Parse(" Failed "); err != nil || s != Failed {
		t.Fatalf("Parse: %s %v", s, err)
	}
}
