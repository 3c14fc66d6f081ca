package mcptools

import "github.com/modelcontextprotocol/go-sdk/mcp"

// ToolServerOf is the MCP server a connection with scope gets, for the in-process baseline of
// the benchmark.
func ToolServerOf(s *Server, sc Scope) *mcp.Server {
	return newToolServer(s, &grant{scope: sc.withDefaults(), live: true, projects: map[string]int64{}})
}
