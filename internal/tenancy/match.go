package tenancy

import (
	"fmt"
	"unicode/utf8"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// globMatch runs pattern (literals, * and ?; no classes, no escapes) over s
// with path.Match's semantics: * matches any run of bytes other than '/',
// ? one rune other than '/', anything else itself, byte for byte. It
// returns whether all of s matches (full) and whether some prefix of s,
// possibly empty or all of it, matches (prefix).
//
// It simulates the pattern as an automaton over s's bytes, so it costs
// O(len(s)*len(pattern)) whatever the input, where trying path.Match on
// every prefix of a user-supplied key would cost a factor len(s) more.
func globMatch(pattern, s string) (full, prefix bool) {
	m := len(pattern)
	// rows[x%window] holds the pattern positions reachable after x bytes of
	// s; a ? looks at most utf8.UTFMax bytes ahead.
	const window = utf8.UTFMax + 1
	var rows [window][]bool
	for i := range rows {
		rows[i] = make([]bool, m+1)
	}
	rows[0][0] = true
	for x := 0; x <= len(s); x++ {
		cur := rows[x%window]
		// Epsilon moves go forward only (a star may match nothing), so one
		// ascending pass closes the row.
		for p := 0; p < m; p++ {
			if cur[p] && pattern[p] == '*' {
				cur[p+1] = true
			}
		}
		if cur[m] {
			prefix = true
			if x == len(s) {
				full = true
			}
		}
		if x == len(s) {
			break
		}
		c := s[x]
		for p := 0; p < m; p++ {
			if !cur[p] {
				continue
			}
			switch pattern[p] {
			case '*':
				if c != '/' {
					rows[(x+1)%window][p] = true
				}
			case '?':
				if c != '/' {
					_, w := utf8.DecodeRuneInString(s[x:])
					rows[(x+w)%window][p+1] = true
				}
			default:
				if c == pattern[p] {
					rows[(x+1)%window][p+1] = true
				}
			}
		}
		clear(cur)
	}
	return full, prefix
}
