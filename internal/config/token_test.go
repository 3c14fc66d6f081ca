package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTokenReloadFromEnvFileAndTokenFile(t *testing.T) {
	dir := t.TempDir()
	env := filepath.Join(dir, ".env")
	os.WriteFile(env, []byte("# bot\nexport GITLAB_TOKEN=fake-token-1\nPORT=4000"), 0o640)
	lookup := lookupFrom(nil)
	cfg, err := Load(lookup, env, false)
	if err != nil {
		t.Fatal(err)
	}
	tok := NewToken(cfg, lookup, env)
	src, err := SourceOfToken(lookup, env)
	if err != nil || src.Kind != "envfile" || src.Path != env || src.CheckWritable() != nil {
		t.Fatalf("source = %+v, %v", src, err)
	}
	if err := src.Write("fake-token-2"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(env)
	if string(b) != "# bot\nexport GITLAB_TOKEN=fake-token-2\nPORT=4000" {
		t.Fatalf(".env after write:\n%s", b)
	}
	if st, _ := os.Stat(env); st.Mode().Perm() != 0o640 {
		t.Fatalf("mode changed to %v", st.Mode())
	}
	if changed, err := tok.Reload(); err != nil || !changed || tok.Get() != "fake-token-2" {
		t.Fatalf("reload = %v, %v, %q", changed, err, tok.Get())
	}
	if changed, _ := tok.Reload(); changed {
		t.Fatal("second reload reported a change")
	}

	file := filepath.Join(dir, "token")
	os.WriteFile(file, []byte("fake-token-3\n"), 0o600)
	fileLookup := lookupFrom(map[string]string{"GITLAB_TOKEN_FILE": file})
	src, err = SourceOfToken(fileLookup, filepath.Join(dir, "none.env"))
	if err != nil || src.Kind != "file" || src.Path != file {
		t.Fatalf("file source = %+v, %v", src, err)
	}
	src.Write("fake-token-4")
	if cfg, _ := Load(fileLookup, "", false); cfg.GitLabToken != "fake-token-4" {
		t.Fatalf("token file not rewritten: %q", cfg.GitLabToken)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".claude-gitlab-token") {
			t.Fatalf("temporary file left: %s", e.Name())
		}
	}
}

func TestTokenFromEnvironmentCannotBeWritten(t *testing.T) {
	src, err := SourceOfToken(lookupFrom(map[string]string{"GITLAB_TOKEN": "fake-token-1"}), "")
	if err != nil || src.Kind != "env" {
		t.Fatalf("source = %+v, %v", src, err)
	}
	if err := src.CheckWritable(); err == nil || !strings.Contains(err.Error(), "--print") {
		t.Fatalf("CheckWritable = %v", err)
	}
	if _, err := SourceOfToken(lookupFrom(nil), ""); err == nil {
		t.Fatal("no token: want an error")
	}
}

func TestReplaceEnvValueAppendsWhenMissing(t *testing.T) {
	got := string(replaceEnvValue([]byte("A=1"), "GITLAB_TOKEN", "x"))
	if got != "A=1\nGITLAB_TOKEN=x\n" {
		t.Fatalf("got %q", got)
	}
}
