package reports

import (
	"bufio"
	"bytes"
	"encoding"
	"encoding/json"
	"io"
	"reflect"
	"strings"
)

// writeJSON writes v as JSON() does, the same bytes (indented by two
// spaces, HTML characters unescaped, nil lists as [] except under
// omitempty, a final newline), but piece by piece: the structs and lists
// of the first levels (levels of them) are written field by field and
// element by element, each element encoded on its own, so neither the
// document nor its indented copy is ever whole in memory. skip, when set,
// leaves out fields of the top-level struct by JSON name.
func writeJSON(w io.Writer, v any, levels int, skip func(name string) bool) error {
	s := &jsonStreamer{w: bufio.NewWriterSize(w, 256<<10), skip: skip}
	s.enc = json.NewEncoder(&s.buf)
	s.enc.SetEscapeHTML(false)
	rv := reflect.ValueOf(v)
	if err := s.value(rv, "", levels, false, true); err != nil {
		return err
	}
	s.w.WriteByte('\n')
	return s.w.Flush()
}

type jsonStreamer struct {
	w    *bufio.Writer
	buf  bytes.Buffer
	enc  *json.Encoder // writes into buf, compact
	out  []byte        // buf indented
	skip func(string) bool
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// marshals reports a type that encodes itself.
func marshals(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return t.Implements(jsonMarshaler) || t.Implements(textMarshaler) || pt.Implements(jsonMarshaler) || pt.Implements(textMarshaler)
}

// value writes v at the indentation indent. omitEmpty is the option of
// the field v is, for the normalisation of nil lists (emptyLists).
func (s *jsonStreamer) value(v reflect.Value, indent string, levels int, omitEmpty, top bool) error {
	if levels > 0 && !marshals(v.Type()) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() && v.Elem().Kind() == reflect.Struct && plainStruct(v.Elem().Type()) {
				return s.object(v.Elem(), indent, levels, top)
			}
		case reflect.Struct:
			if plainStruct(v.Type()) {
				return s.object(v, indent, levels, top)
			}
		case reflect.Slice:
			if v.Type().Elem().Kind() != reflect.Uint8 {
				return s.array(v, indent, levels, omitEmpty)
			}
		}
	}
	return s.leaf(v, indent, omitEmpty)
}

// leaf encodes v whole, as the whole document's encoding would have
// written it at this place.
func (s *jsonStreamer) leaf(v reflect.Value, indent string, omitEmpty bool) error {
	walkEmpty(v, omitEmpty)
	// Through a pointer when v is addressable: the whole document's
	// encoding calls the MarshalJSON of pointer receivers of what it can
	// address.
	var x any
	if v.CanAddr() {
		x = v.Addr().Interface()
	} else {
		x = v.Interface()
	}
	// Encoded compact, then indented by appendIndent: the bytes of
	// SetIndent(indent, "  "), at a fraction of the cost.
	s.buf.Reset()
	if err := s.enc.Encode(x); err != nil {
		return err
	}
	s.out = appendIndent(s.out[:0], bytes.TrimSuffix(s.buf.Bytes(), []byte{'\n'}), indent, "  ")
	_, err := s.w.Write(s.out)
	return err
}

// plainStruct is a struct whose fields can be written one by one as
// encoding/json would write them: no embedded field, no option but
// omitempty.
func plainStruct(t reflect.Type) bool {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			return false
		}
		if _, opts, _ := strings.Cut(f.Tag.Get("json"), ","); opts != "" && opts != "omitempty" {
			return false
		}
	}
	return true
}

// isEmptyValue is encoding/json's test for omitempty.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

func (s *jsonStreamer) object(v reflect.Value, indent string, levels int, top bool) error {
	t := v.Type()
	n := 0
	s.w.WriteByte('{')
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if !f.IsExported() || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		omitEmpty := opts == "omitempty"
		fv := v.Field(i)
		if omitEmpty && isEmptyValue(fv) || top && s.skip != nil && s.skip(name) {
			continue
		}
		if n > 0 {
			s.w.WriteByte(',')
		}
		n++
		s.w.WriteString("\n" + indent + "  ")
		if err := s.leaf(reflect.ValueOf(name), "", false); err != nil {
			return err
		}
		s.w.WriteString(": ")
		if err := s.value(fv, indent+"  ", levels-1, omitEmpty, false); err != nil {
			return err
		}
	}
	if n > 0 {
		s.w.WriteString("\n" + indent)
	}
	s.w.WriteByte('}')
	return nil
}

func (s *jsonStreamer) array(v reflect.Value, indent string, levels int, omitEmpty bool) error {
	if v.IsNil() {
		if omitEmpty || !v.CanSet() {
			_, err := s.w.WriteString("null")
			return err
		}
		v.Set(reflect.MakeSlice(v.Type(), 0, 0))
	}
	if v.Len() == 0 {
		_, err := s.w.WriteString("[]")
		return err
	}
	s.w.WriteByte('[')
	for i := 0; i < v.Len(); i++ {
		if i > 0 {
			s.w.WriteByte(',')
		}
		s.w.WriteString("\n" + indent + "  ")
		if err := s.value(v.Index(i), indent+"  ", levels-1, false, false); err != nil {
			return err
		}
	}
	s.w.WriteString("\n" + indent + "]")
	return nil
}
