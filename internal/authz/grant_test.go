package authz

import (
	"testing"
	"time"
)

func TestGrantIsRecordedAndStandsForFiveMinutes(t *testing.T) {
	at := time.Unix(1_700_000_000, 0)
	cases := []struct {
		recorded string
		ok       bool
		level    int
		stands   bool // five minutes minus a second after at
	}{
		{Grant{At: at, Level: 30}.String(), true, 30, true},
		{Grant{At: at, Level: -1}.String(), true, -1, true},
		{"1700000000 40", true, 40, true},
		{"", false, 0, false},
		{"1700000000", false, 0, false}, // an older record without the role
		{"soon 30", false, 0, false},
	}
	for _, c := range cases {
		g, ok := ParseGrant(c.recorded)
		if ok != c.ok || g.Level != c.level || (ok && !g.At.Equal(at)) {
			t.Errorf("ParseGrant(%q) = %+v, %t", c.recorded, g, ok)
		}
		if ok && g.Stands(at.Add(GrantFresh-time.Second)) != c.stands {
			t.Errorf("%q: stands %t a second before it expires", c.recorded, !c.stands)
		}
		if ok && g.Stands(at.Add(GrantFresh)) {
			t.Errorf("%q: still stands after %v", c.recorded, GrantFresh)
		}
	}
}

func TestNewGrantStandsWithItsRole(t *testing.T) {
	at := time.Unix(1_700_000_000, 0)
	developer := 30
	cases := []struct {
		name      string
		recorded  string
		now       time.Time
		wantLevel *int
		wantOK    bool
	}{
		{"role read", NewGrant(at, &developer).String(), at.Add(time.Minute), &developer, true},
		{"role not read", NewGrant(at, nil).String(), at.Add(time.Minute), nil, true},
		{"too old", NewGrant(at, &developer).String(), at.Add(GrantFresh), nil, false},
		{"nothing recorded", "", at, nil, false},
		{"an older record without the role", "1700000000", at, nil, false},
	}
	for _, c := range cases {
		level, ok := Standing(c.recorded, c.now)
		if ok != c.wantOK || (level == nil) != (c.wantLevel == nil) || (level != nil && *level != *c.wantLevel) {
			t.Errorf("%s: Standing(%q) = %v, %t; want %v, %t", c.name, c.recorded, level, ok, c.wantLevel, c.wantOK)
		}
	}
}
