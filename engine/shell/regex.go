package shell

import (
	"errors"
	"regexp"
	"regexp/syntax"
	"strings"
)

// Regular expressions: grep, sed and awk use POSIX basic (BRE) and
// extended (ERE) regular expressions with GNU's extensions; they are
// translated into Go's syntax (RE2) and matched leftmost-longest, as POSIX
// asks. RE2 has no back-references: a pattern using \1 fails with a clear
// message rather than matching something else.

type reSyntax uint8

const (
	reBasic reSyntax = iota
	reExtended
	reFixed
	rePerl // grep -P: Go's own syntax, which is close to Perl's
)

var errBackref = errors.New("back-references (\\1 to \\9) are not supported here")

// compileRegexp compiles a pattern of the given syntax.
func compileRegexp(p string, syn reSyntax, icase bool) (*regexp.Regexp, error) {
	var expr string
	var err error
	switch syn {
	case reBasic:
		expr, err = translateRE(p, false)
	case reExtended:
		expr, err = translateRE(p, true)
	case reFixed:
		expr = regexp.QuoteMeta(p)
	default:
		expr = p
	}
	if err != nil {
		return nil, err
	}
	return compileGo(expr, syn, icase)
}

// compileGo compiles a translated expression: leftmost-longest unless it
// is grep -P's.
func compileGo(expr string, syn reSyntax, icase bool) (*regexp.Regexp, error) {
	if icase {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, posixError(err)
	}
	if syn != rePerl {
		re.Longest()
	}
	return re, nil
}

// posixError words a compile error as glibc's regcomp does.
func posixError(err error) error {
	var se *syntax.Error
	if !errors.As(err, &se) {
		return err
	}
	msg, ok := map[syntax.ErrorCode]string{
		syntax.ErrMissingParen:          "Unmatched ( or \\(",
		syntax.ErrUnexpectedParen:       "Unmatched ) or \\)",
		syntax.ErrMissingBracket:        "Unmatched [, [^, [:, [., or [=",
		syntax.ErrTrailingBackslash:     "Trailing backslash",
		syntax.ErrInvalidRepeatSize:     "Invalid content of \\{\\}",
		syntax.ErrInvalidCharRange:      "Invalid range end",
		syntax.ErrInvalidCharClass:      "Invalid character class name",
		syntax.ErrMissingRepeatArgument: "Invalid preceding regular expression",
		syntax.ErrInvalidRepeatOp:       "Invalid preceding regular expression",
	}[se.Code]
	if !ok {
		msg = "Invalid regular expression"
	}
	return errors.New(msg)
}

// translateRE turns a BRE or ERE into RE2 syntax.
func translateRE(p string, ere bool) (string, error) {
	var b strings.Builder
	atStart := true // where * is literal and ^ is an anchor
	for i := 0; i < len(p); i++ {
		c := p[i]
		start := atStart
		atStart = false
		switch {
		case c == '[':
			n, class := translateBracket(p[i:])
			if n == 0 {
				return "", errors.New("Unmatched [, [^, [:, [., or [=")
			}
			b.WriteString(class)
			i += n - 1
		case c == '\\':
			if i+1 == len(p) {
				return "", errors.New("Trailing backslash")
			}
			i++
			s, resets, err := translateEscape(p[i], ere)
			if err != nil {
				return "", err
			}
			b.WriteString(s)
			atStart = resets
		case c == '*' && start, !ere && c == '^' && !start, (c == '+' || c == '?') && ere && start:
			b.WriteString(regexp.QuoteMeta(string(c)))
		case !ere && c == '$' && !breEnd(p[i+1:]):
			b.WriteString(`\$`)
		case !ere && strings.IndexByte("+?|(){}", c) >= 0:
			b.WriteString(regexp.QuoteMeta(string(c)))
		case ere && c == '{':
			n, rep := translateInterval(p[i:])
			b.WriteString(rep)
			i += n - 1
		default:
			b.WriteByte(c)
			atStart = c == '^' || ere && (c == '(' || c == '|')
		}
	}
	return b.String(), nil
}

// breEnd reports whether a $ followed by rest ends a BRE (or a group or
// alternative of it), where it is an anchor.
func breEnd(rest string) bool {
	return rest == "" || strings.HasPrefix(rest, `\)`) || strings.HasPrefix(rest, `\|`)
}

// translateEscape translates \c; resets tells whether what follows is at
// the start of an expression again (after \( or \|).
func translateEscape(c byte, ere bool) (string, bool, error) {
	switch {
	case c >= '1' && c <= '9':
		return "", false, errBackref
	case c == '<' || c == '>':
		return `\b`, false, nil
	case c == '`':
		return `\A`, false, nil
	case c == '\'':
		return `\z`, false, nil
	case strings.IndexByte("bBwWsS", c) >= 0:
		return `\` + string(c), false, nil
	case !ere && strings.IndexByte("(|", c) >= 0:
		return string(c), true, nil
	case !ere && strings.IndexByte("){}+?", c) >= 0:
		return string(c), false, nil
	case c == 'n':
		return `\n`, false, nil
	case c == 't':
		return `\t`, false, nil
	}
	return regexp.QuoteMeta(string(c)), false, nil
}

// translateInterval copies an ERE {m,n} (GNU also takes {,n}); a brace
// that does not start one is literal.
func translateInterval(p string) (int, string) {
	end := strings.IndexByte(p, '}')
	if end < 0 {
		return 1, `\{`
	}
	body := p[1:end]
	lo, hi, comma := strings.Cut(body, ",")
	if !allDigits(lo) || !allDigits(hi) || lo == "" && !comma || lo == "" && hi == "" {
		return 1, `\{`
	}
	if lo == "" {
		body = "0," + hi
	}
	return end + 1, "{" + body + "}"
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// translateBracket copies a bracket expression at the start of p; inside
// one a backslash is literal. It returns how much of p it took, 0 if the
// expression is not closed.
func translateBracket(p string) (int, string) {
	var b strings.Builder
	b.WriteByte('[')
	i := 1
	if i < len(p) && p[i] == '^' {
		b.WriteByte('^')
		i++
	}
	first := true
	for ; i < len(p); i++ {
		c := p[i]
		switch {
		case c == ']' && !first:
			b.WriteByte(']')
			return i + 1, b.String()
		case c == '[' && i+1 < len(p) && strings.IndexByte(":=.", p[i+1]) >= 0:
			end := strings.Index(p[i+2:], string(p[i+1])+"]")
			if end < 0 {
				return 0, ""
			}
			inner := p[i+2 : i+2+end]
			if p[i+1] == ':' {
				b.WriteString("[:" + inner + ":]")
			} else {
				b.WriteString(regexp.QuoteMeta(inner))
			}
			i += end + 3
		case c == '\\' || c == '[' || c == ']':
			b.WriteString(`\` + string(c))
		default:
			b.WriteByte(c)
		}
		first = false
	}
	return 0, ""
}
