package kubectl

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonpathCase is a template run over a JSON document: what it prints, or
// the error it gives. The cases are client-go's jsonpath tests.
type jsonpathCase struct {
	name, template, input string
	want, wantErr         string
}

func runJSONPathCases(t *testing.T, allowMissing bool, cases []jsonpathCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			data, err := decodeJSONValue([]byte(tt.input))
			require.NoError(t, err)
			j, err := newJSONPath(tt.template, allowMissing)
			if err == nil {
				var buf bytes.Buffer
				err = j.execute(&buf, data)
				if tt.wantErr == "" {
					require.NoError(t, err)
					assert.Equal(t, tt.want, buf.String())
					return
				}
			}
			require.Error(t, err)
			assert.Equal(t, tt.wantErr, err.Error())
		})
	}
}

const typesJSON = `{
  "bools": [true, false, true, false],
  "integers": [1, 2, 3, 4],
  "floats": [1.0, 2.2, 3.3, 4.0],
  "strings": ["one", "two", "three", "four"],
  "interfaces": [true, "one", 1, 1.1],
  "maps": [{"name": "one", "value": 1}, {"name": "two", "value": 2.02}, {"name": "three", "value": 3.03}, {"name": "four", "value": 4.04}]
}`

func TestJSONPathTypes(t *testing.T) {
	runJSONPathCases(t, false, []jsonpathCase{
		{name: "boolSlice", template: `{ .bools }`, input: typesJSON, want: `[true,false,true,false]`},
		{name: "boolSliceIndex", template: `{ .bools[0] }`, input: typesJSON, want: `true`},
		{name: "boolSliceIndexLast", template: `{ .bools[-1] }`, input: typesJSON, want: `false`},
		{name: "boolSubSlice", template: `{ .bools[0:2] }`, input: typesJSON, want: `true false`},
		{name: "boolSubSliceStep2", template: `{ .bools[:4:2] }`, input: typesJSON, want: `true true`},
		{name: "integerSlice", template: `{ .integers }`, input: typesJSON, want: `[1,2,3,4]`},
		{name: "integerSliceIndexReverse", template: `{ .integers[-2] }`, input: typesJSON, want: `3`},
		{name: "integerSubSliceStep2", template: `{ .integers[:4:2] }`, input: typesJSON, want: `1 3`},
		{name: "floatSlice", template: `{ .floats }`, input: typesJSON, want: `[1,2.2,3.3,4]`},
		{name: "floatSliceIndex", template: `{ .floats[0] }`, input: typesJSON, want: `1`},
		{name: "floatSubSliceStep2", template: `{ .floats[:4:2] }`, input: typesJSON, want: `1 3.3`},
		{name: "stringSlice", template: `{ .strings }`, input: typesJSON, want: `["one","two","three","four"]`},
		{name: "stringSubSliceFirst2", template: `{ .strings[:2] }`, input: typesJSON, want: `one two`},
		{name: "interfaceSlice", template: `{ .interfaces }`, input: typesJSON, want: `[true,"one",1,1.1]`},
		{name: "interfaceSubSliceStep2", template: `{ .interfaces[:4:2] }`, input: typesJSON, want: `true 1`},
		{name: "mapSliceIndex", template: `{ .maps[0] }`, input: typesJSON, want: `{"name":"one","value":1}`},
		{name: "mapSubSliceStepOdd", template: `{ .maps[::2] }`, input: typesJSON, want: `{"name":"one","value":1} {"name":"three","value":3.03}`},
		{name: "mapSubSliceStepEven", template: `{ .maps[1::2] }`, input: typesJSON, want: `{"name":"two","value":2.02} {"name":"four","value":4.04}`},
	})
}

const storeJSON = `{
  "Name": "jsonpath",
  "Book": [
    {"Category": "reference", "Author": "Nigel Rees", "Title": "Sayings of the Centurey", "Price": 8.95},
    {"Category": "fiction", "Author": "Evelyn Waugh", "Title": "Sword of Honour", "Price": 12.99},
    {"Category": "fiction", "Author": "Herman Melville", "Title": "Moby Dick", "Price": 8.99}
  ],
  "Bicycle": [{"Color": "red", "Price": 19.95, "IsNew": true}, {"Color": "green", "Price": 20.01, "IsNew": false}],
  "Labels": {"engieer": 10, "web/html": 15, "k8s-app": 20},
  "Employees": {"jason": "manager", "dan": "clerk"}
}`

func TestJSONPathStore(t *testing.T) {
	runJSONPathCases(t, false, []jsonpathCase{
		{name: "plain", template: "hello jsonpath", input: `null`, want: "hello jsonpath"},
		{name: "recursive", template: "{..}", input: `[1, 2, 3]`, want: "[1,2,3]"},
		{name: "filter", template: "{[?(@<5)]}", input: `[2, 6, 3, 7]`, want: "2 3"},
		{name: "quote", template: `{"{"}`, input: `null`, want: "{"},
		{name: "union", template: "{[1,3,4]}", input: `[0, 1, 2, 3, 4]`, want: "1 3 4"},
		{name: "array", template: "{[0:2]}", input: `["Monday", "Tudesday"]`, want: "Monday Tudesday"},
		{name: "variable", template: "hello {.Name}", input: storeJSON, want: "hello jsonpath"},
		{name: "dict/", template: "{$.Labels.web/html}", input: storeJSON, want: "15"},
		{name: "dict-employee", template: "{$.Employees.jason}", input: storeJSON, want: "manager"},
		{name: "dict-", template: "{.Labels.k8s-app}", input: storeJSON, want: "20"},
		{name: "nest", template: "{.Bicycle[*].Color}", input: storeJSON, want: "red green"},
		{name: "allarray", template: "{.Book[*].Author}", input: storeJSON, want: "Nigel Rees Evelyn Waugh Herman Melville"},
		{name: "allfields", template: `{range .Bicycle[*]}{ "{" }{ @.* }{ "} " }{end}`, input: storeJSON, want: "{red true 19.95} {green false 20.01} "},
		{name: "recurfields", template: "{..Price}", input: storeJSON, want: "19.95 20.01 8.95 12.99 8.99"},
		{name: "recurdotfields", template: "{...Price}", input: storeJSON, want: "19.95 20.01 8.95 12.99 8.99"},
		{name: "superrecurfields", template: "{............................................................Price}", input: storeJSON, wantErr: "invalid multiple recursive descent"},
		{name: "allstructsSlice", template: "{.Bicycle}", input: storeJSON, want: `[{"Color":"red","IsNew":true,"Price":19.95},{"Color":"green","IsNew":false,"Price":20.01}]`},
		{name: "allstructs", template: `{range .Bicycle[*]}{ @ }{ " " }{end}`, input: storeJSON, want: `{"Color":"red","IsNew":true,"Price":19.95} {"Color":"green","IsNew":false,"Price":20.01} `},
		{name: "lastarray", template: "{.Book[-1:]}", input: storeJSON, want: `{"Author":"Herman Melville","Category":"fiction","Price":8.99,"Title":"Moby Dick"}`},
		{name: "recurarray", template: "{..Book[2]}", input: storeJSON, want: `{"Author":"Herman Melville","Category":"fiction","Price":8.99,"Title":"Moby Dick"}`},
		{name: "bool", template: "{.Bicycle[?(@.IsNew==true)]}", input: storeJSON, want: `{"Color":"red","IsNew":true,"Price":19.95}`},
		{name: "invalid identifier", template: "{hello}", input: storeJSON, wantErr: "unrecognized identifier hello"},
		{name: "nonexistent field", template: "{.hello}", input: storeJSON, wantErr: "hello is not found"},
		{name: "invalid array", template: "{.Labels[0]}", input: storeJSON, wantErr: "map[string]interface {} is not array or slice"},
		{name: "invalid filter operator", template: "{.Book[?(@.Price<>10)]}", input: storeJSON, wantErr: "unrecognized filter operator <>"},
		{name: "redundant end", template: "{range .Labels.*}{@}{end}{end}", input: storeJSON, wantErr: "not in range, nothing to end"},
		{name: "exists filter", template: "{[?(@.z)].id}", input: `[{"id": "i1", "x": 4}, {"id": "i2", "z": 1}, {"id": "i5", "z": 1}]`, want: "i2 i5"},
		{name: "bracket key", template: "{[0]['id']}", input: `[{"id": "i1"}]`, want: "i1"},
	})
	runJSONPathCases(t, true, []jsonpathCase{
		{name: "nonexistent field", template: "{.hello}", input: storeJSON, want: ""},
		{name: "nonexistent field 2", template: "before-{.hello}after", input: storeJSON, want: "before-after"},
	})
}

const nodesJSON = `{
  "kind": "List",
  "items": [
    {"kind": "None", "metadata": {"name": "127.0.0.1", "labels": {"kubernetes.io/hostname": "127.0.0.1"}},
     "status": {"capacity": {"cpu": "4"}, "ready": true, "addresses": [{"type": "LegacyHostIP", "address": "127.0.0.1"}]}},
    {"kind": "None", "metadata": {"name": "127.0.0.2", "labels": {"kubernetes.io/hostname": "127.0.0.2"}},
     "status": {"capacity": {"cpu": "8"}, "ready": false, "addresses": [{"type": "LegacyHostIP", "address": "127.0.0.2"}, {"type": "another", "address": "127.0.0.3"}]}}
  ],
  "users": [{"name": "myself", "user": {}}, {"name": "e2e", "user": {"username": "admin", "password": "secret"}}]
}`

func TestJSONPathKubernetes(t *testing.T) {
	runJSONPathCases(t, false, []jsonpathCase{
		{name: "range item", template: `{range .items[*]}{.metadata.name}, {end}{.kind}`, input: nodesJSON, want: "127.0.0.1, 127.0.0.2, List"},
		{name: "range item with quote", template: `{range .items[*]}{.metadata.name}{"\t"}{end}`, input: nodesJSON, want: "127.0.0.1\t127.0.0.2\t"},
		{name: "range addresss", template: `{.items[*].status.addresses[*].address}`, input: nodesJSON, want: "127.0.0.1 127.0.0.2 127.0.0.3"},
		{name: "double range", template: `{range .items[*]}{range .status.addresses[*]}{.address}, {end}{end}`, input: nodesJSON, want: "127.0.0.1, 127.0.0.2, 127.0.0.3, "},
		{name: "item name", template: `{.items[*].metadata.name}`, input: nodesJSON, want: "127.0.0.1 127.0.0.2"},
		{name: "union nodes capacity", template: `{.items[*]['metadata.name', 'status.capacity']}`, input: nodesJSON, want: `127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}`},
		{name: "range nodes capacity", template: `{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}`, input: nodesJSON, want: `[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] `},
		{name: "user password", template: `{.users[?(@.name=="e2e")].user.password}`, input: nodesJSON, want: "secret"},
		{name: "hostname", template: `{.items[0].metadata.labels.kubernetes\.io/hostname}`, input: nodesJSON, want: "127.0.0.1"},
		{name: "hostname filter", template: `{.items[?(@.metadata.labels.kubernetes\.io/hostname=="127.0.0.1")].kind}`, input: nodesJSON, want: "None"},
		{name: "bool item", template: `{.items[?(@..ready==true)].metadata.name}`, input: nodesJSON, want: "127.0.0.1"},
		{name: "recursive name", template: "{..name}", input: nodesJSON, want: "127.0.0.1 127.0.0.2 myself e2e"},
	})
}

const podsJSON = `{"items": [
  {"metadata": {"name": "pod1", "annotations": {"color": "blue"}}, "status": {"phase": "Running"},
   "spec": {"containers": [{"name": "foo", "another": [{"name": "value1"}, {"name": "value2"}]}, {"name": "bar", "another": [{"name": "value1"}, {"name": "value2"}]}]}},
  {"metadata": {"name": "pod2"}, "status": {"phase": "Pending"},
   "spec": {"containers": [{"name": "baz", "another": [{"name": "value1"}, {"name": "value2"}]}]}},
  {"metadata": {"name": "pod3", "annotations": {"color": "blue"}}, "status": {"phase": "Running"}, "spec": {}}
]}`

func TestJSONPathRanges(t *testing.T) {
	runJSONPathCases(t, true, []jsonpathCase{
		{name: "empty range", template: `{range .items[*]}{.metadata.name}{end}`, input: `{"items": []}`, want: ""},
		{name: "empty nested range", template: `{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}`, input: `{"items": []}`, want: ""},
		{name: "nested range", template: `{range .items[0:2]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}`, input: podsJSON, want: "pod1:foo,bar,+pod2:baz,+"},
		{name: "three levels", template: `{range .items[0:2]}{.metadata.name}{"~"}{range @.spec.containers[*]}{.name}{":"}{range @.another[*]}{.name}{","}{end}{"+"}{end}{"#"}{end}`, input: podsJSON,
			want: "pod1~foo:value1,value2,+bar:value1,value2,+#pod2~baz:value1,value2,+#"},
		{name: "two ranges at one level", template: `{range .items[0:2]}{.metadata.name}{"\t"}{range @.spec.containers[*]}{.name}{" "}{end}{"\t"}{range @.spec.containers[*]}{.name}{" "}{end}{"\n"}{end}`, input: podsJSON,
			want: "pod1\tfoo bar \tfoo bar \npod2\tbaz \tbaz \n"},
		{name: "filter on missing annotations", template: `{.items[?(@.metadata.annotations.color=="blue")].metadata.name}`, input: podsJSON, want: "pod1 pod3"},
		{name: "range over a filter", template: `{range .items[?(.status.phase=="Running")]}{.metadata.name}{" is Running\n"}{end}`, input: podsJSON, want: "pod1 is Running\npod3 is Running\n"},
	})
	runJSONPathCases(t, false, []jsonpathCase{
		{name: "filter on missing annotations", template: `{.items[?(@.metadata.annotations.color=="blue")].metadata.name}`, input: podsJSON, wantErr: "annotations is not found"},
	})
}

const containersJSON = `{"spec": {"containers": [{"name": "fake0"}, {"name": "fake1"}, {"name": "fake2"}, {"name": "fake3"}, {"name": "fake4"}, {"name": "fake5"}]}}`

func TestJSONPathSlices(t *testing.T) {
	runJSONPathCases(t, false, []jsonpathCase{
		{name: "[0]", template: `{.spec.containers[0].name}`, input: containersJSON, want: "fake0"},
		{name: "[0:0]", template: `{.spec.containers[0:0].name}`, input: containersJSON, want: ""},
		{name: "[0:-1]", template: `{.spec.containers[0:-1].name}`, input: containersJSON, want: "fake0 fake1 fake2 fake3 fake4"},
		{name: "[-1:0]", template: `{.spec.containers[-1:0].name}`, input: containersJSON, wantErr: "starting index 5 is greater than ending index 0"},
		{name: "[-1]", template: `{.spec.containers[-1].name}`, input: containersJSON, want: "fake5"},
		{name: "[-2:]", template: `{.spec.containers[-2:].name}`, input: containersJSON, want: "fake4 fake5"},
		{name: "[-7]", template: `{.spec.containers[-7].name}`, input: containersJSON, wantErr: "array index out of bounds: index -1, length 6"},
		{name: "[6]", template: `{.spec.containers[6].name}`, input: containersJSON, wantErr: "array index out of bounds: index 6, length 6"},
		{name: "[7:7]", template: `{.spec.containers[7:7].name}`, input: containersJSON, want: ""},
		{name: "[3:1]", template: `{.spec.containers[3:1].name}`, input: containersJSON, wantErr: "starting index 3 is greater than ending index 1"},
		{name: "[0:6:]", template: `{.spec.containers[0:6:].name}`, input: containersJSON, want: "fake0 fake1 fake2 fake3 fake4 fake5"},
		{name: "[0:6:0]", template: `{.spec.containers[0:6:0].name}`, input: containersJSON, wantErr: "step must be > 0"},
		{name: "[1:4:2]", template: `{.spec.containers[1:4:2].name}`, input: containersJSON, want: "fake1 fake3"},
		{name: "[0:6:5]", template: `{.spec.containers[0:6:5].name}`, input: containersJSON, want: "fake0 fake5"},
		{name: "empty list", template: `{.items[0].metadata.name}`, input: `{"items": []}`, wantErr: "array index out of bounds: index 0, length 0"},
	})
}

func TestJSONPathParseErrors(t *testing.T) {
	for template, want := range map[string]string{
		"{.a":                    "unclosed action",
		"{.a[0}":                 "unterminated array",
		"{.a[x]}":                "invalid array index x",
		`{.a[?(@.b=="c"}`:        "unterminated filter",
		`{.a[?(@.b=="c")}`:       "unclosed array expect ]",
		`{"abc}`:                 "unterminated quoted string",
		"{ !}":                   "unrecognized character in action: U+0021 '!'",
		"{1.2.3}":                "cannot parse number 1.2.3",
		"{....a}":                "invalid multiple recursive descent",
		`{.items[?(@.x==")]}`:    "unterminated filter",
		`{.items[?(@.x=="\q")]}`: `unquote string "\q" error invalid syntax`,
	} {
		_, err := newJSONPath(template, true)
		if assert.Error(t, err, template) {
			assert.Equal(t, want, err.Error(), template)
		}
	}
}

func TestJSONPathCompare(t *testing.T) {
	runJSONPathCases(t, true, []jsonpathCase{
		{name: "int less", template: `{.items[?(@.n<3)].id}`, input: `{"items": [{"id": "a", "n": 1}, {"id": "b", "n": 3}, {"id": "c", "n": 5}]}`, want: "a"},
		{name: "int greater equal", template: `{.items[?(@.n>=3)].id}`, input: `{"items": [{"id": "a", "n": 1}, {"id": "b", "n": 3}, {"id": "c", "n": 5}]}`, want: "b c"},
		{name: "not equal string", template: `{.items[?(@.id!="b")].id}`, input: `{"items": [{"id": "a"}, {"id": "b"}]}`, want: "a"},
		{name: "float and int", template: `{.items[?(@.n>1)].id}`, input: `{"items": [{"id": "a", "n": 1.5}]}`, wantErr: "incompatible types for comparison"},
		{name: "map", template: `{.items[?(@.m=="x")].id}`, input: `{"items": [{"id": "a", "m": {}}]}`, wantErr: "invalid type for comparison"},
		{name: "as JSON text", template: `{.items[0].m}`, input: `{"items": [{"m": {"b": "<x>", "a": [1, 2.5, null]}}]}`, want: `{"a":[1,2.5,null],"b":"\u003cx\u003e"}`},
		{name: "null", template: `{.a}`, input: `{"a": null}`, want: "<nil>"},
		{name: "big integer", template: `{.a} {.b}`, input: `{"a": 1000000, "b": 1e21}`, want: "1000000 1e+21"},
	})
}
