package gitlab

import (
	"context"
	"fmt"
	"net/http"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// ErrNoSuchUser: no GitLab user has that username.
var ErrNoSuchUser = fmt.Errorf("no such user")

// UserByUsername finds a user by username: some webhooks (wiki pages) name their user without
// an id.
func (c *Client) UserByUsername(ctx context.Context, username string) (User, error) {
	var users []apiUser
	err := c.call(ctx, func(opt gl.RequestOptionFunc) error {
		req, err := c.gl.NewRequest(http.MethodGet, "users", struct {
			Username string `url:"username"`
		}{username}, []gl.RequestOptionFunc{opt})
		if err != nil {
			return err
		}
		_, err = c.gl.Do(req, &users)
		return err
	})
	if err != nil {
		return User{}, fmt.Errorf("find user @%s: %w", username, err)
	}
	if len(users) == 0 {
		return User{}, fmt.Errorf("find user @%s: %w", username, ErrNoSuchUser)
	}
	u := users[0]
	return User{ID: u.ID, Username: u.Username, Name: u.Name, Bot: u.Bot}, nil
}
