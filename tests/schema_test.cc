// The schema: its defaults, names, JSON form (strict on reading, complete on writing), the
// refusals of AddField and the atomicity of Merge.
#include "trawl/schema.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace trawl {
namespace schema_test {
namespace {

const std::vector<FieldType> kAllTypes = {FieldType::kText,  FieldType::kKeyword, FieldType::kInt,
                                          FieldType::kFloat, FieldType::kDate,    FieldType::kBool,
                                          FieldType::kStored};

// The message of a failed FromJson, or "OK".
std::string FromJsonError(const std::string& json) {
  Schema schema;
  Status s = Schema::FromJson(json, &schema);
  if (s.ok()) return "OK";
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  return s.message();
}

TEST(SchemaTest, TypeNames) {
  for (FieldType t : kAllTypes) {
    FieldType back;
    ASSERT_TRUE(ParseFieldType(FieldTypeName(t), &back)) << FieldTypeName(t);
    EXPECT_EQ(back, t);
  }
  FieldType t;
  EXPECT_FALSE(ParseFieldType("Text", &t));
  EXPECT_FALSE(ParseFieldType("integer", &t));
  EXPECT_FALSE(ParseFieldType("", &t));
  EXPECT_EQ(FieldTypeName(FieldType::kKeyword), "keyword");
}

TEST(SchemaTest, DynamicTypes) {
  EXPECT_EQ(DynamicFieldType(ValueKind::kText), FieldType::kText);
  EXPECT_EQ(DynamicFieldType(ValueKind::kKeyword), FieldType::kKeyword);
  EXPECT_EQ(DynamicFieldType(ValueKind::kInt), FieldType::kInt);
  EXPECT_EQ(DynamicFieldType(ValueKind::kFloat), FieldType::kFloat);
  EXPECT_EQ(DynamicFieldType(ValueKind::kBool), FieldType::kBool);
  EXPECT_EQ(DynamicFieldType(ValueKind::kDate), FieldType::kDate);
}

TEST(SchemaTest, Defaults) {
  const FieldSpec text = FieldSpec::Default(FieldType::kText);
  EXPECT_TRUE(text.stored && text.indexed && !text.column && !text.lowercase);
  const FieldSpec stored = FieldSpec::Default(FieldType::kStored);
  EXPECT_TRUE(stored.stored && !stored.indexed && !stored.column && !stored.lowercase);
  for (FieldType t : {FieldType::kKeyword, FieldType::kInt, FieldType::kFloat, FieldType::kDate,
                      FieldType::kBool}) {
    const FieldSpec spec = FieldSpec::Default(t);
    EXPECT_EQ(spec.type, t);
    EXPECT_TRUE(spec.stored && spec.indexed && spec.column && !spec.lowercase) << FieldTypeName(t);
  }
  // Every default is a spec AddField accepts.
  Schema schema;
  for (FieldType t : kAllTypes)
    EXPECT_TRUE(schema.AddField(std::string(FieldTypeName(t)) + "_f", FieldSpec::Default(t)).ok());
}

TEST(SchemaTest, FieldNames) {
  for (const char* good :
       {"a", "_", "title", "Title_2", "meta.author", "a.b.c", "_x9", "ID", "Id", "idx"})
    EXPECT_TRUE(Schema::ValidFieldName(good)) << good;
  EXPECT_TRUE(Schema::ValidFieldName(std::string(255, 'a')));
  for (const char* bad : {"", "id", "9a", ".a", "a-b", "a b", "a:b", "é", "a/b", "a*", "tag\n"})
    EXPECT_FALSE(Schema::ValidFieldName(bad)) << bad;
  EXPECT_FALSE(Schema::ValidFieldName(std::string(256, 'a')));

  Schema schema;
  Status s = schema.AddField("id", FieldSpec::Default(FieldType::kKeyword));
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("'id' is reserved"), std::string::npos) << s.message();
  s = schema.AddField("a b", FieldSpec::Default(FieldType::kKeyword));
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("field name 'a b' is not valid"), std::string::npos) << s.message();
  s = schema.AddField(std::string(1000, 'a'), FieldSpec::Default(FieldType::kKeyword));
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_LT(s.message().size(), 200u) << "a long name is shortened in the message";
  EXPECT_TRUE(schema.empty());
}

TEST(SchemaTest, AddFieldKeepsOrderAndFinds) {
  Schema schema;
  ASSERT_TRUE(schema.AddField("zeta", FieldSpec::Default(FieldType::kText)).ok());
  ASSERT_TRUE(schema.AddField("alpha", FieldSpec::Default(FieldType::kInt)).ok());
  ASSERT_TRUE(schema.AddField("mid", FieldSpec::Default(FieldType::kKeyword)).ok());
  ASSERT_TRUE(schema.AddField("alpha", FieldSpec::Default(FieldType::kInt)).ok())
      << "the same spec again changes nothing";
  ASSERT_EQ(schema.fields().size(), 3u);
  EXPECT_EQ(schema.fields()[0].name, "zeta");
  EXPECT_EQ(schema.fields()[1].name, "alpha");
  EXPECT_EQ(schema.fields()[2].name, "mid");
  ASSERT_NE(schema.Find("alpha"), nullptr);
  EXPECT_EQ(schema.Find("alpha"), &schema.fields()[1]);
  EXPECT_EQ(schema.Find("alpha")->spec.type, FieldType::kInt);
  EXPECT_EQ(schema.Find("Alpha"), nullptr);
  EXPECT_EQ(schema.Find("id"), nullptr);
  EXPECT_EQ(schema.Find(""), nullptr);
  // Copies find their own fields.
  Schema copy = schema;
  EXPECT_EQ(copy.Find("mid"), &copy.fields()[2]);
  EXPECT_EQ(copy, schema);
}

TEST(SchemaTest, AddFieldRefusesAChange) {
  Schema schema;
  ASSERT_TRUE(schema.AddField("price", FieldSpec::Default(FieldType::kInt)).ok());
  Status s = schema.AddField("price", FieldSpec::Default(FieldType::kFloat));
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), "field 'price' is int in the index; cannot make it float");

  FieldSpec tag = FieldSpec::Default(FieldType::kKeyword);
  ASSERT_TRUE(schema.AddField("tag", tag).ok());
  tag.lowercase = true;
  s = schema.AddField("tag", tag);
  EXPECT_EQ(s.message(),
            "field 'tag' is keyword with lowercase=false in the index; cannot make it keyword "
            "with lowercase=true");
  tag = FieldSpec::Default(FieldType::kKeyword);
  tag.column = false;
  s = schema.AddField("tag", tag);
  EXPECT_EQ(s.message(),
            "field 'tag' is keyword with column=true in the index; cannot make it keyword with "
            "column=false");
  tag = FieldSpec::Default(FieldType::kKeyword);
  tag.stored = false;
  EXPECT_NE(schema.AddField("tag", tag).message().find("stored=true"), std::string::npos);
  tag = FieldSpec::Default(FieldType::kKeyword);
  tag.indexed = false;
  EXPECT_NE(schema.AddField("tag", tag).message().find("indexed=true"), std::string::npos);
  EXPECT_EQ(schema.Find("price")->spec, FieldSpec::Default(FieldType::kInt));
  EXPECT_EQ(schema.Find("tag")->spec, FieldSpec::Default(FieldType::kKeyword));
}

TEST(SchemaTest, AddFieldRefusesBadSpecs) {
  Schema schema;
  FieldSpec spec = FieldSpec::Default(FieldType::kText);
  spec.column = true;
  Status s = schema.AddField("body", spec);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("field 'body': a text field cannot have a column"), std::string::npos)
      << s.message();
  spec = FieldSpec::Default(FieldType::kStored);
  spec.column = true;
  EXPECT_NE(schema.AddField("raw", spec).message().find("a stored field cannot have a column"),
            std::string::npos);
  spec = FieldSpec::Default(FieldType::kStored);
  spec.indexed = true;
  EXPECT_NE(schema.AddField("raw", spec).message().find("a stored field is never indexed"),
            std::string::npos);
  for (FieldType t : {FieldType::kText, FieldType::kInt, FieldType::kFloat, FieldType::kDate,
                      FieldType::kBool, FieldType::kStored}) {
    spec = FieldSpec::Default(t);
    spec.lowercase = true;
    s = schema.AddField("x", spec);
    EXPECT_EQ(s.message(),
              "field 'x': lowercase is for keyword fields, not " + std::string(FieldTypeName(t)));
  }
  EXPECT_TRUE(schema.empty());
  // A field that keeps nothing is pointless but harmless.
  spec = FieldSpec::Default(FieldType::kKeyword);
  spec.stored = spec.indexed = spec.column = false;
  EXPECT_TRUE(schema.AddField("ignored", spec).ok());
}

TEST(SchemaTest, MaxFields) {
  Schema schema;
  schema.max_fields = 3;
  ASSERT_TRUE(schema.AddField("a", FieldSpec::Default(FieldType::kText)).ok());
  ASSERT_TRUE(schema.AddField("b", FieldSpec::Default(FieldType::kText)).ok());
  ASSERT_TRUE(schema.AddField("c", FieldSpec::Default(FieldType::kText)).ok());
  Status s = schema.AddField("d", FieldSpec::Default(FieldType::kText));
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(),
            "cannot add field 'd': the schema has its maximum of 3 fields (max_fields)");
  EXPECT_TRUE(schema.AddField("c", FieldSpec::Default(FieldType::kText)).ok())
      << "a field it has is no new field";
  EXPECT_EQ(schema.fields().size(), 3u);

  // Thousands of fields: Find answers for each.
  Schema big;
  for (int i = 0; i < 10000; ++i)
    ASSERT_TRUE(big.AddField("f" + std::to_string(i), FieldSpec::Default(FieldType::kInt)).ok());
  EXPECT_FALSE(big.AddField("one_more", FieldSpec::Default(FieldType::kInt)).ok());
  for (int i = 0; i < 10000; i += 997)
    EXPECT_EQ(big.Find("f" + std::to_string(i)), &big.fields()[i]);
}

TEST(SchemaTest, MergeIsAtomic) {
  Schema schema;
  ASSERT_TRUE(schema.AddField("title", FieldSpec::Default(FieldType::kText)).ok());
  ASSERT_TRUE(schema.AddField("price", FieldSpec::Default(FieldType::kInt)).ok());
  const Schema before = schema;

  Schema other;
  ASSERT_TRUE(other.AddField("tag", FieldSpec::Default(FieldType::kKeyword)).ok());
  ASSERT_TRUE(other.AddField("date", FieldSpec::Default(FieldType::kDate)).ok());
  ASSERT_TRUE(other.AddField("price", FieldSpec::Default(FieldType::kFloat)).ok());
  ASSERT_TRUE(other.AddField("late", FieldSpec::Default(FieldType::kBool)).ok());
  Status s = schema.Merge(other);
  EXPECT_EQ(s.message(), "field 'price' is int in the index; cannot make it float");
  EXPECT_EQ(schema, before) << "nothing of a failed merge is added";
  EXPECT_EQ(schema.Find("tag"), nullptr);

  // Past max_fields, also nothing.
  schema.max_fields = 4;
  Schema three;
  for (const char* name : {"a", "b", "c"})
    ASSERT_TRUE(three.AddField(name, FieldSpec::Default(FieldType::kKeyword)).ok());
  EXPECT_FALSE(schema.Merge(three).ok());
  EXPECT_EQ(schema.fields().size(), 2u);

  Schema good;
  ASSERT_TRUE(good.AddField("price", FieldSpec::Default(FieldType::kInt)).ok());
  ASSERT_TRUE(good.AddField("tag", FieldSpec::Default(FieldType::kKeyword)).ok());
  ASSERT_TRUE(schema.Merge(good).ok());
  ASSERT_EQ(schema.fields().size(), 3u);
  EXPECT_EQ(schema.fields()[0].name, "title");
  EXPECT_EQ(schema.fields()[1].name, "price");
  EXPECT_EQ(schema.fields()[2].name, "tag");
  EXPECT_EQ(schema.Find("tag"), &schema.fields()[2]);
  EXPECT_EQ(schema.max_fields, 4u) << "a merge adds fields, not settings";
}

TEST(SchemaTest, FromJsonAppliesDefaultsAndOrder) {
  Schema schema;
  ASSERT_TRUE(Schema::FromJson(R"({"fields": {
      "title": {"type": "text"},
      "tag":   {"type": "keyword", "lowercase": true},
      "price": {"type": "float", "column": false},
      "date":  {"type": "date", "stored": true, "indexed": true, "column": true},
      "raw":   {"type": "stored"},
      "flag":  {"type": "bool", "stored": false}},
    "dynamic": false, "max_fields": 50})",
                               &schema)
                  .ok());
  std::vector<std::string> names;
  for (const auto& f : schema.fields()) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"title", "tag", "price", "date", "raw", "flag"}))
      << "the file's order, not alphabetical";
  EXPECT_EQ(schema.Find("title")->spec, FieldSpec::Default(FieldType::kText));
  FieldSpec tag = FieldSpec::Default(FieldType::kKeyword);
  tag.lowercase = true;
  EXPECT_EQ(schema.Find("tag")->spec, tag);
  FieldSpec price = FieldSpec::Default(FieldType::kFloat);
  price.column = false;
  EXPECT_EQ(schema.Find("price")->spec, price);
  EXPECT_EQ(schema.Find("date")->spec, FieldSpec::Default(FieldType::kDate));
  EXPECT_EQ(schema.Find("raw")->spec, FieldSpec::Default(FieldType::kStored));
  FieldSpec flag = FieldSpec::Default(FieldType::kBool);
  flag.stored = false;
  EXPECT_EQ(schema.Find("flag")->spec, flag);
  EXPECT_FALSE(schema.dynamic);
  EXPECT_EQ(schema.max_fields, 50u);

  // Everything optional: an empty object is the empty, dynamic schema.
  Schema empty;
  ASSERT_TRUE(Schema::FromJson("{}", &empty).ok());
  EXPECT_EQ(empty, Schema());
  ASSERT_TRUE(Schema::FromJson(R"({"fields": {}})", &empty).ok());
  EXPECT_EQ(empty, Schema());
}

TEST(SchemaTest, RoundTrip) {
  Schema schema;
  schema.dynamic = false;
  schema.max_fields = 123;
  for (FieldType t : kAllTypes) {
    ASSERT_TRUE(
        schema.AddField(std::string("z_") + std::string(FieldTypeName(t)), FieldSpec::Default(t))
            .ok());
  }
  FieldSpec odd = FieldSpec::Default(FieldType::kKeyword);
  odd.lowercase = true;
  odd.stored = false;
  odd.column = false;
  ASSERT_TRUE(schema.AddField("a.odd", odd).ok());
  FieldSpec unindexed = FieldSpec::Default(FieldType::kText);
  unindexed.indexed = false;
  ASSERT_TRUE(schema.AddField("notes", unindexed).ok());

  const std::string json = schema.ToJson();
  Schema back;
  ASSERT_TRUE(Schema::FromJson(json, &back).ok()) << json;
  EXPECT_EQ(back, schema) << json;
  EXPECT_EQ(back.ToJson(), json);

  // Every option of every field is written, so the file does not depend on today's defaults.
  const auto j = nlohmann::json::parse(json);
  EXPECT_EQ(j.at("dynamic"), false);
  EXPECT_EQ(j.at("max_fields"), 123);
  ASSERT_EQ(j.at("fields").size(), schema.fields().size());
  for (const auto& [name, spec] : j.at("fields").items()) {
    for (const char* key : {"type", "stored", "indexed", "column", "lowercase"})
      EXPECT_TRUE(spec.contains(key)) << name << " lacks " << key;
    EXPECT_EQ(spec.size(), 5u) << name;
  }
  EXPECT_EQ(Schema().ToJson(), Schema().ToJson());
  Schema empty_back;
  ASSERT_TRUE(Schema::FromJson(Schema().ToJson(), &empty_back).ok());
  EXPECT_EQ(empty_back, Schema());
}

TEST(SchemaTest, FromJsonRefusals) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "schema: not valid JSON"},
      {"{", "schema: not valid JSON"},
      {"[]", "schema: not a JSON object"},
      {"null", "schema: not a JSON object"},
      {R"({"fields": {}, "dynamc": true})",
       "schema: unknown key 'dynamc' (keys: fields, dynamic, max_fields)"},
      {R"({"fields": []})", "schema: \"fields\" must be an object {NAME: {\"type\": ...}, ...}"},
      {R"({"dynamic": "yes"})", "schema: \"dynamic\" must be true or false, not \"yes\""},
      {R"({"max_fields": 0})", "schema: \"max_fields\" must be a positive integer, not 0"},
      {R"({"max_fields": -5})", "schema: \"max_fields\" must be a positive integer, not -5"},
      {R"({"max_fields": 2.5})", "schema: \"max_fields\" must be a positive integer, not 2.5"},
      {R"({"fields": {"id": {"type": "keyword"}}})",
       "field 'id' is reserved: it is every document's key, matched verbatim"},
      {R"({"fields": {"a b": {"type": "keyword"}}})",
       "field name 'a b' is not valid: names are [A-Za-z_][A-Za-z0-9_.]*, at most 255 bytes"},
      {R"({"fields": {"body": {"type": "text", "column": true}}})",
       "field 'body': a text field cannot have a column (only keyword, int, float, date and bool "
       "fields can)"},
      {R"({"fields": {"raw": {"type": "stored", "indexed": true}}})",
       "field 'raw': a stored field is never indexed (make it keyword or text to search it)"},
      {R"({"fields": {"n": {"type": "int", "lowercase": true}}})",
       "field 'n': lowercase is for keyword fields, not int"},
      {R"({"fields": {"price": {"type": "number"}}})",
       "field 'price': unknown type 'number' (types: text, keyword, int, float, date, bool, "
       "stored)"},
      {R"({"fields": {"price": {"type": 3}}})", "field 'price': \"type\" must be a string, not 3"},
      {R"({"fields": {"price": {"stored": true}}})", "field 'price': no \"type\""},
      {R"({"fields": {"price": "float"}})",
       "field 'price': must be an object such as {\"type\": \"keyword\"}"},
      {R"({"fields": {"price": {"type": "float", "colum": true}}})",
       "field 'price': unknown option 'colum' (options: type, stored, indexed, column, "
       "lowercase, analyzer)"},
      {R"({"fields": {"price": {"type": "float", "analyzer": "english"}}})",
       "field 'price': \"analyzer\" must be an object such as {\"language\": \"none\"}, not "
       "\"english\""},
      {R"({"fields": {"price": {"type": "float", "analyzer": {"language": "english"}}}})",
       "field 'price': an analyzer is for text fields, not float"},
      {R"({"fields": {"tag": {"type": "keyword", "analyzer": {}}}})", "OK"},
      {R"({"fields": {"price": {"type": "float", "stored": 1}}})",
       "field 'price': option 'stored' must be true or false, not 1"},
      {R"({"fields": {"a": {"type": "int"}, "b": {"type": "int"}}, "max_fields": 1})",
       "cannot add field 'b': the schema has its maximum of 1 fields (max_fields)"},
  };
  for (const auto& [json, message] : cases) EXPECT_EQ(FromJsonError(json), message) << json;

  // A refused schema leaves the output alone.
  Schema schema;
  ASSERT_TRUE(schema.AddField("keep", FieldSpec::Default(FieldType::kInt)).ok());
  const Schema before = schema;
  EXPECT_FALSE(Schema::FromJson(R"({"fields": {"x": {"type": "nope"}}})", &schema).ok());
  EXPECT_EQ(schema, before);
}

}  // namespace
}  // namespace schema_test
}  // namespace trawl
