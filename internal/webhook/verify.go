package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// signatureTolerance is how far webhook-timestamp may be from now: enough for clock skew, too
// little to replay a captured delivery later.
const signatureTolerance = 5 * time.Minute

// tokenMatches compares the X-Gitlab-Token header with the secret, given as its SHA-256, in
// constant time. Hashing both keeps the comparison constant-time in the length too; the secret's
// hash is computed once, in New.
func tokenMatches(got string, secret *[32]byte) bool {
	if secret == nil {
		return false // no secret configured: refuse everything rather than accept everything
	}
	g := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(g[:], secret[:]) == 1
}

// ParseSigningToken decodes a signing token ("whsec_<base64 key>", the prefix optional) into
// its HMAC key, so that configuration can refuse a bad one at start.
func ParseSigningToken(token string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(token, "whsec_"))
	if err != nil {
		return nil, fmt.Errorf("signing token: not whsec_ followed by base64: %w", err)
	}
	if len(key) == 0 {
		return nil, errors.New("signing token: empty key")
	}
	return key, nil
}

// verifySignature checks a Standard Webhooks signature: webhook-signature lists space-separated
// "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>" entries, any of which may match (several
// appear while a key is rotated).
func verifySignature(key []byte, h http.Header, body []byte, now time.Time) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("missing webhook-id, webhook-timestamp or webhook-signature")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("webhook-timestamp is not unix seconds")
	}
	if skew := now.Sub(time.Unix(sec, 0)); skew > signatureTolerance || skew < -signatureTolerance {
		return fmt.Errorf("webhook-timestamp %s is more than %s from now", ts, signatureTolerance)
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%s.", id, ts)
	mac.Write(body)
	want := mac.Sum(nil)
	for _, entry := range strings.Fields(sigs) {
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return errors.New("no webhook-signature entry matches")
}
