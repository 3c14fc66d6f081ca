package egress

import "strings"

// Usage is what the Messages API reports it counted for one request.
type Usage struct {
	InputTokens  int64 `json:"input_tokens"`
	OutputTokens int64 `json:"output_tokens"`
	CacheWrite   int64 `json:"cache_creation_input_tokens"`
	CacheRead    int64 `json:"cache_read_input_tokens"`
}

func (u *Usage) add(o Usage) {
	u.InputTokens += o.InputTokens
	u.OutputTokens += o.OutputTokens
	u.CacheWrite += o.CacheWrite
	u.CacheRead += o.CacheRead
}

// price is USD per million tokens: input, output, cache write (the 5-minute cache the CLI
// uses) and cache read.
type price struct{ in, out, write, read float64 }

// prices by model family and generation, as Anthropic's models pages list them; the first match
// of a model name wins, so the specific generations come before their family. An unknown model
// costs as the dearest family: a budget must not be passed because a new model's name is not in
// this table.
var prices = []struct {
	match string
	p     price
}{
	{"opus-5-5", price{4, 20, 5, 0.20}},
	{"opus-5", price{5, 25, 6.25, 0.50}},
	{"opus-4-5", price{5, 25, 6.25, 0.50}}, {"opus-4-6", price{5, 25, 6.25, 0.50}},
	{"opus-4-7", price{5, 25, 6.25, 0.50}}, {"opus-4-8", price{5, 25, 6.25, 0.50}},
	{"opus", price{15, 75, 18.75, 1.50}},
	{"fable", price{10, 50, 12.50, 1}},
	{"sonnet-5", price{2, 10, 2.50, 0.20}},
	{"sonnet", price{3, 15, 3.75, 0.30}},
	{"haiku-5", price{0.10, 0.50, 0.125, 0.01}},
	{"haiku-4", price{1, 5, 1.25, 0.10}},
	{"haiku-3-5", price{0.80, 4, 1, 0.08}}, {"3-5-haiku", price{0.80, 4, 1, 0.08}},
	{"haiku", price{0.25, 1.25, 0.30, 0.03}},
}

var unknownPrice = price{15, 75, 18.75, 1.50}

func priceOf(model string) price {
	m := strings.ToLower(model)
	for _, e := range prices {
		if strings.Contains(m, e.match) {
			return e.p
		}
	}
	return unknownPrice
}

// Cost is what u costs with model, in USD.
func Cost(model string, u Usage) float64 {
	p := priceOf(model)
	return (float64(u.InputTokens)*p.in + float64(u.OutputTokens)*p.out +
		float64(u.CacheWrite)*p.write + float64(u.CacheRead)*p.read) / 1e6
}
