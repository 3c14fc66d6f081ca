package redact

import (
	"errors"
	"testing"
)

func TestRedact(t *testing.T) {
	r := New("fakepat-secret-value", "", "short", "sk-ant-api03-abcdef", "fakepat-secret-value-longer")
	cases := []struct{ in, want string }{
		{"token fakepat-secret-value here", "token [REDACTED] here"},
		{"fakepat-secret-value-longer", "[REDACTED]"},
		{"a short word stays", "a short word stays"},
		{"key=sk-ant-api03-abcdef;", "key=[REDACTED];"},
		{"twice fakepat-secret-value fakepat-secret-value", "twice [REDACTED] [REDACTED]"},
		{"nothing here", "nothing here"},
	}
	for _, c := range cases {
		if got := r.Redact(c.in); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRedactURLEncoded(t *testing.T) {
	r := New("p@ss/word+1")
	if got := r.Redact("https://x:p%40ss%2Fword%2B1@host"); got != "https://x:[REDACTED]@host" {
		t.Errorf("got %q", got)
	}
}

func TestNilAndEmpty(t *testing.T) {
	var r *Redactor
	if r.Redact("abc") != "abc" {
		t.Error("nil redactor changed text")
	}
	if New().Redact("abcdefghij") != "abcdefghij" {
		t.Error("empty redactor changed text")
	}
}

func TestAddRedactsNewSecretsAndKeepsOld(t *testing.T) {
	var zero Redactor
	zero.Add("fake-token-1-old-value")
	if got := zero.Redact("a fake-token-1-old-value b"); got != "a [REDACTED] b" {
		t.Fatalf("zero value after Add: %q", got)
	}
	r := New("fake-token-1-old-value")
	done := make(chan bool)
	go func() { // Redact while Add runs: the race detector checks the locking
		for range 1000 {
			r.Redact("fake-token-2-new-value")
		}
		close(done)
	}()
	r.Add("fake-token-2-new-value", "short")
	<-done
	got := r.Redact("old fake-token-1-old-value new fake-token-2-new-value short")
	if got != "old [REDACTED] new [REDACTED] short" {
		t.Fatalf("after Add: %q", got)
	}
	var nilR *Redactor
	if nilR.Redact("x fake-token-2-new-value") != "x fake-token-2-new-value" {
		t.Fatal("nil Redactor changed text")
	}
}

func TestErrorIsRedacted(t *testing.T) {
	r := New("glpat-tok-123456")
	cases := []struct {
		err  error
		want string // "" : nil
	}{
		{nil, ""},
		{errors.New("push with glpat-tok-123456 failed"), "push with [REDACTED] failed"},
		{errors.New("no secret here"), "no secret here"},
	}
	for _, c := range cases {
		got := r.Error(c.err)
		if (got == nil) != (c.want == "") || got != nil && got.Error() != c.want {
			t.Errorf("Error(%v) = %v, want %q", c.err, got, c.want)
		}
	}
	if got := (*Redactor)(nil).Error(errors.New("glpat-tok-123456")); got.Error() != "glpat-tok-123456" {
		t.Errorf("a nil Redactor changed the error: %v", got)
	}
}
