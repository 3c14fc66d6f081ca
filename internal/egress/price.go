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

// price is USD per million tokens: input and output; a cache write costs 1.25× input (the
// 5-minute cache the CLI uses), a cache read 0.1× input.
type price struct{ in, out float64 }

// prices by model family, as Anthropic lists them; the first match of a model name wins, so the
// specific generations come before the family. An unknown model costs as the most expensive
// family: a budget must not be passed because a new model's name is not in this table.
var prices = []struct {
	match string
	p     price
}{
	{"opus-4-5", price{5, 25}}, {"opus-4-6", price{5, 25}}, {"opus-4-7", price{5, 25}},
	{"opus", price{15, 75}},
	{"sonnet", price{3, 15}},
	{"haiku-4", price{1, 5}}, {"haiku-3-5", price{0.8, 4}}, {"3-5-haiku", price{0.8, 4}},
	{"haiku", price{0.25, 1.25}},
}

var unknownPrice = price{15, 75}

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
	in := float64(u.InputTokens) + 1.25*float64(u.CacheWrite) + 0.1*float64(u.CacheRead)
	return (in*p.in + float64(u.OutputTokens)*p.out) / 1e6
}
