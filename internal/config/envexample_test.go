package config

import (
	"os"
	"strings"
	"testing"
)

// TestEnvExampleListsEverySetting keeps .env.example in step with Settings: a new setting
// without a documented line fails here.
func TestEnvExampleListsEverySetting(t *testing.T) {
	b, err := os.ReadFile("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	example := string(b)
	for _, s := range Settings {
		for _, name := range strings.Split(s.Name, ", ") {
			if !strings.Contains(example, "\n"+name+"=") && !strings.Contains(example, "# "+name+"=") {
				t.Errorf(".env.example has no %s= line", name)
			}
		}
	}
	for _, name := range []string{"GITLAB_TOKEN_FILE", "WEBHOOK_SECRET_FILE"} {
		if !strings.Contains(example, name) {
			t.Errorf(".env.example does not mention %s", name)
		}
	}
	if _, err := readEnvFile("../../.env.example"); err != nil {
		t.Fatalf(".env.example is not a valid .env file: %v", err)
	}
}
