package aclsync

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// object is one listed key. A pass keeps one per document and ACL file and
// nothing else, so its memory is the listing's keys and ETags once.
type object struct {
	key, etag string
	size      int64
}

// objects is a list of objects sorted by key (S3 lists in UTF-8 byte
// order, which is Go's string order), searched by binary search.
type objects []object

func byKey(a, b object) int { return strings.Compare(a.key, b.key) }

func (o objects) find(key string) (object, bool) {
	i, ok := slices.BinarySearchFunc(o, key, func(x object, k string) int { return strings.Compare(x.key, k) })
	if !ok {
		return object{}, false
	}
	return o[i], true
}

func (o objects) has(key string) bool {
	_, ok := o.find(key)
	return ok
}

// sorted sorts o when the listing of several roots left it out of order.
func (o objects) sorted() objects {
	if !slices.IsSortedFunc(o, byKey) {
		slices.SortFunc(o, byKey)
	}
	return o
}

// objectOf turns a listed S3 object into an object, decoding its key when
// the response is URL-encoded (EncodingType=url). S3 encodes keys as a query
// component (a space may come as "+", a "+" as "%2B"; moto sends "%20"),
// so the decoding is url.QueryUnescape's, which reads all of them right.
func objectOf(o types.Object, encoded bool) (object, error) {
	key := aws.ToString(o.Key)
	if encoded {
		dec, err := url.QueryUnescape(key)
		if err != nil {
			return object{}, fmt.Errorf("decoding the listed key %q: %w", key, err)
		}
		key = dec
	}
	return object{key: key, etag: compactETag(aws.ToString(o.ETag)), size: aws.ToInt64(o.Size)}, nil
}
