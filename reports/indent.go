package reports

// appendIndent appends to dst the compact JSON src (as encoding/json
// writes it: no whitespace outside strings) indented exactly as
// json.Indent(dst, src, prefix, indent) would, for far less work: json.Indent
// runs the full validating scanner on every byte, which was three quarters
// of the time of writing a large report. src must be valid compact JSON;
// the writer only gives it encoding/json's own output.
func appendIndent(dst, src []byte, prefix, indent string) []byte {
	newline := func(dst []byte, depth int) []byte {
		dst = append(dst, '\n')
		dst = append(dst, prefix...)
		for i := 0; i < depth; i++ {
			dst = append(dst, indent...)
		}
		return dst
	}
	depth := 0
	needIndent := false // after { or [: indent unless the next byte closes it
	inString, escaped := false, false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inString {
			// Copy the string up to its closing quote in one go.
			j := i
			for ; j < len(src); j++ {
				b := src[j]
				if escaped {
					escaped = false
					continue
				}
				if b == '\\' {
					escaped = true
					continue
				}
				if b == '"' {
					break
				}
			}
			if j == len(src) {
				return append(dst, src[i:]...)
			}
			dst = append(dst, src[i:j+1]...)
			i = j
			inString = false
			continue
		}
		if needIndent && c != '}' && c != ']' {
			needIndent = false
			depth++
			dst = newline(dst, depth)
		}
		switch c {
		case '"':
			inString = true
			dst = append(dst, c)
		case '{', '[':
			needIndent = true
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			dst = newline(dst, depth)
		case ':':
			dst = append(dst, c, ' ')
		case '}', ']':
			if needIndent {
				needIndent = false
			} else {
				depth--
				dst = newline(dst, depth)
			}
			dst = append(dst, c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
