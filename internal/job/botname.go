package job

import "regexp"

// botName reports usernames GitLab gives machine accounts: project and group access-token bots
// and service accounts.
var botName = regexp.MustCompile(`^(project|group)_\d+_bot(_[0-9a-f]+)?\d*$|^service_account_`)

func isBotName(username string) bool { return botName.MatchString(username) }
