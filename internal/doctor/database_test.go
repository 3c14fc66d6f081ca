package doctor

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store/storetest"
)

// With DATABASE_URL, doctor names the PostgreSQL database (never its password) and its schema
// version, and says to migrate an empty one.
func TestDatabaseCheckOnPostgres(t *testing.T) {
	tg := storetest.Postgres(t)
	d := &doctor{o: Options{Settings: config.Config{DatabaseURL: tg.URL}}}
	r := d.database(context.Background())
	if r.Status != Warn || !strings.Contains(r.Fix, "migrate") {
		t.Fatalf("empty database: %+v", r)
	}
	tg.Open(t)
	r = d.database(context.Background())
	if r.Status != OK || !strings.Contains(r.Detail, store.Describe(tg.URL)) ||
		!strings.Contains(r.Detail, "schema version "+strconv.Itoa(store.SchemaVersion())) {
		t.Fatalf("migrated database: %+v", r)
	}
}
