package acl

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"unicode/utf8"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// object is a JSON object whose member values are kept as raw JSON, so that
// fields kbwarden does not own (including unknown ones, and numbers too
// large for a float64) keep their exact meaning when the object is
// rewritten.
type object map[string]json.RawMessage

// parseSidecarObject decodes an existing sidecar strictly. Everything the
// services might read differently from kbwarden is refused rather than
// guessed at: a byte order mark (the formats forbid it), invalid UTF-8, a
// top-level value other than an object, trailing data, and repeated keys
// (parsers disagree on which one wins).
func parseSidecarObject(data []byte) (object, error) {
	switch {
	case bytes.HasPrefix(data, utf8BOM):
		return nil, &UnparseableSidecarError{Reason: "it starts with a UTF-8 byte order mark, which the format forbids"}
	case !utf8.Valid(data):
		return nil, &UnparseableSidecarError{Reason: "it is not valid UTF-8"}
	case !json.Valid(data):
		var v any
		return nil, &UnparseableSidecarError{Reason: "it is not valid JSON", Err: json.Unmarshal(data, &v)}
	}
	obj, err := decodeObject(data)
	if err != nil {
		return nil, &UnparseableSidecarError{Reason: err.Error()}
	}
	return obj, nil
}

// decodeObject decodes one JSON object from valid JSON, refusing repeated
// keys and anything after the object.
func decodeObject(data []byte) (object, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("it is not a JSON object")
	}
	obj := object{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errors.New("an object key is not a string")
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		if _, dup := obj[key]; dup {
			return nil, errors.New("key " + quote(key) + " appears more than once")
		}
		obj[key] = raw
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("there is data after the object")
	}
	return obj, nil
}

// encode writes the object compactly with keys in byte order, so equal
// objects give equal bytes. HTML characters are not escaped: the services
// read UTF-8 JSON, not HTML, and escaping would only bloat files against
// the size limit.
func (o object) encode() []byte {
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(marshalNoEscape(k))
		b.WriteByte(':')
		if err := json.Compact(&b, o[k]); err != nil {
			panic("acl: compacting a value decoded as JSON cannot fail: " + err.Error())
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

func marshalNoEscape(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("acl: encoding a string or an ACL cannot fail: " + err.Error())
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func quote(s string) string { return string(marshalNoEscape(s)) }
