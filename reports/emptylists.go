package reports

import (
	"reflect"
	"strings"
)

// emptyLists sets every nil slice (and map) reachable from v (through pointers,
// structs, slices and arrays) to an empty one, except in fields tagged
// omitempty, so that the JSON outputs write [] for an empty list ({} for
// an empty map), never null: `jq '.findings[]'` on a clean report must yield nothing, not fail.
// v must be a pointer for the change to reach the caller's value.
func emptyLists(v any) {
	walkEmpty(reflect.ValueOf(v), false)
}

func walkEmpty(v reflect.Value, omitEmpty bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkEmpty(v.Elem(), false)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < v.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			_, opts, _ := strings.Cut(tag, ",")
			walkEmpty(v.Field(i), strings.Contains(","+opts+",", ",omitempty,"))
		}
	case reflect.Slice:
		if v.IsNil() {
			if !omitEmpty && v.CanSet() && v.Type().Elem().Kind() != reflect.Uint8 {
				v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			}
			return
		}
		for i := 0; i < v.Len(); i++ {
			walkEmpty(v.Index(i), false)
		}
	case reflect.Map:
		if v.IsNil() && !omitEmpty && v.CanSet() {
			v.Set(reflect.MakeMap(v.Type()))
		}
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			walkEmpty(v.Index(i), false)
		}
	}
}
