// Package demo is the product working without accounts: a GitLab stand-in (the fake the tests
// use) with a small sample project, the three classic first requests, and a scripted stand-in for
// Claude when no Anthropic credential is configured.
package demo

// SampleFiles are the sample project's repository: a tiny Go web shop.
var SampleFiles = map[string]string{
	"README.md": `# Shop

A tiny web shop API: lists products and takes orders.

    go run .          # serves on :8080
    curl localhost:8080/products
`,
	"main.go": `package main

import (
	"encoding/json"
	"log"
	"net/http"
)

type Product struct {
	ID    int     ` + "`json:\"id\"`" + `
	Name  string  ` + "`json:\"name\"`" + `
	Price float64 ` + "`json:\"price\"`" + `
}

var products = []Product{{1, "Mug", 9.5}, {2, "T-shirt", 19}}

func main() {
	http.HandleFunc("/products", listProducts)
	http.HandleFunc("/orders", createOrder)
	log.Fatal(http.ListenAndServe(":8080", nil))
}

func listProducts(w http.ResponseWriter, r *http.Request) {
	json.NewEncoder(w).Encode(products)
}
`,
	"orders.go": `package main

import (
	"encoding/json"
	"net/http"
)

type Order struct {
	ProductID int ` + "`json:\"product_id\"`" + `
	Quantity  int ` + "`json:\"quantity\"`" + `
}

func createOrder(w http.ResponseWriter, r *http.Request) {
	var o Order
	json.NewDecoder(r.Body).Decode(&o)
	w.WriteHeader(http.StatusCreated)
}
`,
	"go.mod": "module example.com/shop\n\ngo 1.22\n",
}

// DiscountFile is what the merge request of the demo adds.
const DiscountFile = `package main

// discount returns the price after a percentage discount.
func discount(price float64, percent int) float64 {
	return price - price*float64(percent)/100
}
`
