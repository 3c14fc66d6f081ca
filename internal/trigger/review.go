package trigger

import (
	"regexp"
	"strings"
)

var (
	reviewWord = regexp.MustCompile(`\b(re-?)?review\b`)
	// Words that ask for work on the code: "address the review comments" is no review request.
	workWord = regexp.MustCompile(`\b(fix|fixes|implement|apply|address|resolve|refactor|rewrite)\b|\breview (comments?|feedback|remarks?|suggestions?|notes?)\b`)
	fixWord  = regexp.MustCompile(`\b(fix|fixes|fixed|address|apply|resolve|correct|implement|handle|change it|do it)\b`)
	mention  = regexp.MustCompile(`@[\w.\-]+`)
)

// IsReviewRequest reports whether a request's text asks for a review of the merge request
// ("@claude review", "@claude please review this for security"), as opposed to a change or a
// question that merely mentions reviews.
func IsReviewRequest(text string) bool {
	s := requestWords(text)
	return reviewWord.MatchString(s) && !workWord.MatchString(s)
}

// IsFixRequest reports whether a reply asks the bot to fix what a comment says ("@claude fix
// this", "please address this").
func IsFixRequest(text string) bool {
	return fixWord.MatchString(requestWords(text))
}

// requestWords is the prose of text in lower case, without code, quotes and mentions.
func requestWords(text string) string {
	s := strings.ToLower(stripInlineCode(proseLines(stripComments(text))))
	return mention.ReplaceAllString(s, " ")
}
