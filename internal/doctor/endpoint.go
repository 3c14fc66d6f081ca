package doctor

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// publicEndpoint asks our own /health at PUBLIC_URL, the address GitLab delivers to. From this
// machine it proves DNS, the certificate and the proxy path; not GitLab's side of a firewall.
func (d *doctor) publicEndpoint(ctx context.Context) []Result {
	const name = "public endpoint"
	pub := d.o.Settings.PublicURL
	if pub == "" && !d.o.Settings.Webhooks() {
		return []Result{ok(name, "not needed: INTAKE=poll reads the To-Do list (set PUBLIC_URL for links to job pages)")}
	}
	if pub == "" {
		return []Result{publicURLMissing()}
	}
	out := []Result{d.health(ctx, pub)}
	if r, ok := d.privateAddress(ctx, pub); ok {
		out = append(out, r)
	}
	return out
}

func publicURLMissing() Result {
	return warn("public endpoint", "PUBLIC_URL is not set",
		"set PUBLIC_URL to the https:// address GitLab reaches the service at (links in replies and `setup` use it)")
}

func (d *doctor) health(ctx context.Context, pub string) Result {
	const name = "public endpoint"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pub+"/health", nil)
	if err != nil {
		return fail(name, err.Error(), "set PUBLIC_URL to an address such as https://claude.example.com")
	}
	resp, err := d.o.HTTP.Do(req)
	if err != nil {
		return fail(name, "GET "+pub+"/health: "+err.Error(),
			networkFix(err, "PUBLIC_URL")+"; is `claude-gitlab serve` running?")
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail(name, fmt.Sprintf("GET %s/health answered %d", pub, resp.StatusCode),
			"PUBLIC_URL reaches something other than claude-gitlab: check the reverse proxy forwards every path to the service")
	}
	return ok(name, pub+"/health answers 200 from this machine (GitLab must reach it too)")
}

// privateAddress warns when PUBLIC_URL resolves to a private or loopback address: GitLab.com
// cannot reach those, and a self-managed GitLab refuses them unless an admin allows it.
func (d *doctor) privateAddress(ctx context.Context, pub string) (Result, bool) {
	u, err := url.Parse(pub)
	if err != nil {
		return Result{}, false
	}
	ips, err := net.DefaultResolver.LookupIP(ctx, "ip", u.Hostname())
	if err != nil || len(ips) == 0 {
		return Result{}, false
	}
	ip := ips[0]
	if !ip.IsPrivate() && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() {
		return Result{}, false
	}
	const name = "public endpoint address"
	detail := fmt.Sprintf("%s resolves to %s, a private address", u.Hostname(), ip)
	if strings.Contains(d.o.Settings.GitLabURL, "gitlab.com") {
		return warn(name, detail+": GitLab.com cannot deliver there",
			"expose the service on a public address (a reverse proxy or tunnel) and set PUBLIC_URL to it"), true
	}
	return warn(name, detail+": a self-managed GitLab refuses it unless an admin allows it",
		"Admin → Settings → Network → Outbound requests → Allow requests to the local network from webhooks, or use a public address"), true
}
