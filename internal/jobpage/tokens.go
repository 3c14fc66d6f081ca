package jobpage

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strconv"
	"strings"
)

// Signer makes and checks the unguessable tokens of job links, and the operator's cookie, with a
// key the service generated once (store.DB.Key).
type Signer struct{ key []byte }

// NewSigner uses key (at least 32 random bytes).
func NewSigner(key []byte) *Signer { return &Signer{key: key} }

func (s *Signer) mac(parts ...string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(strings.Join(parts, "\x00")))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// JobToken is the token of one job's link: 128 bits of HMAC-SHA256(key, job id).
func (s *Signer) JobToken(jobID int64) string { return s.mac("job", strconv.FormatInt(jobID, 10))[:22] }

// ValidJobToken checks a job link's token in constant time.
func (s *Signer) ValidJobToken(jobID int64, token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(s.JobToken(jobID)), []byte(token)) == 1
}

// adminCookie is the cookie value that stands for ADMIN_TOKEN: the token itself never sits in
// the browser.
func (s *Signer) adminCookie(adminToken string) string { return s.mac("admin", adminToken) }

// Link is the job page's address for a reply in GitLab: with the job's token, except for a
// confidential thread, whose page only the operator may open.
func (s *Signer) Link(publicURL string, jobID int64, confidential bool) string {
	if publicURL == "" {
		return ""
	}
	u := strings.TrimRight(publicURL, "/") + "/jobs/" + strconv.FormatInt(jobID, 10)
	if confidential {
		return u
	}
	return u + "?t=" + s.JobToken(jobID)
}
