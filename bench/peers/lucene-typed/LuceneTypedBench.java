// Typed-field benchmark driver for Apache Lucene 8.x (Debian liblucene8-java): range filters,
// range filters with text, sorting by a numeric field and keyword facet counts, on a JSONL corpus
// with a trawl schema. The companion of /work/shared/tools/peers/lucene/LuceneBench.java, whose
// analysis, similarity, indexing settings and warm-up protocol it keeps. See README.md here.
//
//   LuceneTypedBench index CORPUS.jsonl SCHEMA.json INDEXDIR
//   LuceneTypedBench query INDEXDIR SCHEMA.json QUERIES.jsonl [--reps R] [--warmup W]
//                          [--warmup-s S] [--out RESULTS.jsonl]
//
// Fields, by schema type (include/trawl/schema.h):
//   text     every text field, in schema order joined by "\n", is one TextField "text" (not
//            stored), analyzed as the peers do (letters-or-digits runs, at most 60 code points,
//            lowercase, Snowball English, positions): the query's words are matched there.
//   keyword  StringField (exact term) + SortedSetDocValuesField (column) + a
//   bool     SortedSetDocValuesFacetField (dimension = field name, multi-valued) for facets;
//            "lowercase": true lowers the indexed value. A bool is the keyword "true"/"false".
//   int      LongPoint + NumericDocValuesField, or SortedNumericDocValuesField for a field that
//   date     has more than one value in some document (found by a first pass over the corpus).
//            A date is epoch milliseconds (RFC 3339 or ISO 8601, no zone = UTC, or a number).
//   float    DoublePoint + the same doc values holding NumericUtils.doubleToSortableLong, so
//            that a LONG sort orders them as doubles.
//   stored   stored only.
// Every value is also a StoredField, and so is the id, as trawl stores every field by default.
// Indexing: one thread, RAM buffer 256 MB (PEERS_LUCENE_RAM_MB), SerialMergeScheduler,
// LogByteSizeMergePolicy (docids in corpus order), then forceMerge(1) (PEERS_OPTIMIZE=0 skips).
//
// Query classes (the query file format is in README.md):
//   range       PointRangeQuery alone: top 10 (constant score, so index order) and count
//   range_text  BooleanQuery(MUST text, FILTER range): top 10 by BM25 and count
//   sort        text query, top 10 by the field (missing values last), then score, then docid
//   facet       text query: top 10 hits by score and the top N values of a keyword field over
//               all matches (FacetsCollector + SortedSetDocValuesFacetCounts)
// Each query's parts are built before timing; the facet reader state (per index, as an
// application keeps it) is built once at open. Warm-up as the peers: every query for >= W passes
// and >= S seconds; then R timed passes. Per query the median over R; per class the median and
// the 90th percentile of those. Counts and answers are written to RESULTS for cross-checking.
// Machine-readable output lines start with '@'.

import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.time.*;
import java.time.format.DateTimeParseException;
import java.util.*;

import org.apache.lucene.analysis.*;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.util.CharTokenizer;
import org.apache.lucene.document.*;
import org.apache.lucene.facet.FacetResult;
import org.apache.lucene.facet.Facets;
import org.apache.lucene.facet.FacetsCollector;
import org.apache.lucene.facet.FacetsConfig;
import org.apache.lucene.facet.LabelAndValue;
import org.apache.lucene.facet.sortedset.DefaultSortedSetDocValuesReaderState;
import org.apache.lucene.facet.sortedset.SortedSetDocValuesFacetCounts;
import org.apache.lucene.facet.sortedset.SortedSetDocValuesFacetField;
import org.apache.lucene.facet.sortedset.SortedSetDocValuesReaderState;
import org.apache.lucene.index.*;
import org.apache.lucene.search.*;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.NumericUtils;
import org.apache.lucene.util.Version;
import org.tartarus.snowball.ext.EnglishStemmer;

public final class LuceneTypedBench {
    static final String TEXT = "text";
    static final int MAX_TOKEN_CHARS = 60;
    static final float K1 = 1.2f, B = 0.75f;

    static final class Failure extends Exception {
        Failure(String msg) { super(msg); }
    }

    // ------------------------------------------------------------------ analysis (as the peers)
    static final class MaxLenFilter extends FilteringTokenFilter {
        private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
        MaxLenFilter(TokenStream in) { super(in); }
        @Override protected boolean accept() {
            int n = term.length();
            return n <= MAX_TOKEN_CHARS
                || Character.codePointCount(term.buffer(), 0, n) <= MAX_TOKEN_CHARS;
        }
    }

    static final class PeerAnalyzer extends Analyzer {
        @Override protected TokenStreamComponents createComponents(String fieldName) {
            Tokenizer src = new CharTokenizer(TokenStream.DEFAULT_TOKEN_ATTRIBUTE_FACTORY, 1024 * 1024) {
                @Override protected boolean isTokenChar(int c) { return Character.isLetterOrDigit(c); }
            };
            TokenStream ts = new MaxLenFilter(src);
            ts = new LowerCaseFilter(ts);
            ts = new SnowballFilter(ts, new EnglishStemmer());
            return new TokenStreamComponents(src, ts);
        }
    }

    static List<String> analyze(Analyzer a, String text) throws IOException {
        List<String> out = new ArrayList<>();
        try (TokenStream ts = a.tokenStream(TEXT, text)) {
            CharTermAttribute t = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken()) out.add(t.toString());
            ts.end();
        }
        return out;
    }

    // ------------------------------------------------------------------ JSON
    /** A small JSON reader: objects (LinkedHashMap), arrays (List), strings, numbers (Long when
     *  integral and in range, else Double), booleans and null. */
    static final class Json {
        private final String s;
        private int i;
        private Json(String s) { this.s = s; }

        static Object parse(String s) throws Failure {
            Json j = new Json(s);
            Object v = j.value();
            j.ws();
            if (j.i != s.length()) throw j.error("trailing characters");
            return v;
        }

        private Failure error(String what) {
            return new Failure("JSON: " + what + " at offset " + i);
        }
        private void ws() {
            while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) i++;
        }
        private Object value() throws Failure {
            ws();
            if (i >= s.length()) throw error("unexpected end");
            char c = s.charAt(i);
            if (c == '{') {
                i++;
                Map<String, Object> m = new LinkedHashMap<>();
                ws();
                if (i < s.length() && s.charAt(i) == '}') { i++; return m; }
                for (;;) {
                    ws();
                    if (i >= s.length() || s.charAt(i) != '"') throw error("expected a key");
                    String k = string();
                    ws();
                    if (i >= s.length() || s.charAt(i) != ':') throw error("expected ':'");
                    i++;
                    m.put(k, value());
                    ws();
                    if (i < s.length() && s.charAt(i) == ',') { i++; continue; }
                    if (i < s.length() && s.charAt(i) == '}') { i++; return m; }
                    throw error("expected ',' or '}'");
                }
            }
            if (c == '[') {
                i++;
                List<Object> l = new ArrayList<>();
                ws();
                if (i < s.length() && s.charAt(i) == ']') { i++; return l; }
                for (;;) {
                    l.add(value());
                    ws();
                    if (i < s.length() && s.charAt(i) == ',') { i++; continue; }
                    if (i < s.length() && s.charAt(i) == ']') { i++; return l; }
                    throw error("expected ',' or ']'");
                }
            }
            if (c == '"') return string();
            if (s.startsWith("true", i)) { i += 4; return Boolean.TRUE; }
            if (s.startsWith("false", i)) { i += 5; return Boolean.FALSE; }
            if (s.startsWith("null", i)) { i += 4; return null; }
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
            String num = s.substring(start, i);
            if (num.isEmpty()) throw error("unexpected character '" + c + "'");
            try {
                if (num.indexOf('.') < 0 && num.indexOf('e') < 0 && num.indexOf('E') < 0) {
                    try { return Long.parseLong(num); } catch (NumberFormatException e) { /* big: a double */ }
                }
                return Double.parseDouble(num);
            } catch (NumberFormatException e) {
                throw error("bad number " + num);
            }
        }
        private String string() throws Failure {
            StringBuilder sb = new StringBuilder();
            i++;  // the opening quote
            while (i < s.length()) {
                char c = s.charAt(i++);
                if (c == '"') return sb.toString();
                if (c != '\\') { sb.append(c); continue; }
                if (i >= s.length()) break;
                char e = s.charAt(i++);
                switch (e) {
                    case 'n': sb.append('\n'); break;
                    case 't': sb.append('\t'); break;
                    case 'r': sb.append('\r'); break;
                    case 'b': sb.append('\b'); break;
                    case 'f': sb.append('\f'); break;
                    case 'u':
                        if (i + 4 > s.length()) throw error("bad \\u escape");
                        try {
                            sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw error("bad \\u escape");
                        }
                        i += 4;
                        break;
                    default: sb.append(e);  // \" \\ \/
                }
            }
            throw error("unterminated string");
        }
    }

    static String quote(String v) {
        StringBuilder sb = new StringBuilder("\"");
        for (int k = 0; k < v.length(); k++) {
            char c = v.charAt(k);
            if (c == '"' || c == '\\') sb.append('\\').append(c);
            else if (c < 0x20) sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            else sb.append(c);
        }
        return sb.append('"').toString();
    }

    // ------------------------------------------------------------------ schema and values
    enum Type { TEXT, KEYWORD, INT, FLOAT, DATE, BOOL, STORED }

    static final class FieldDef {
        final String name;
        final Type type;
        final boolean lowercase;
        boolean multi;  // some document has more than one value (numeric doc values only)
        FieldDef(String name, Type type, boolean lowercase) {
            this.name = name; this.type = type; this.lowercase = lowercase;
        }
    }

    @SuppressWarnings("unchecked")
    static LinkedHashMap<String, FieldDef> readSchema(String path) throws Exception {
        Object root = Json.parse(new String(Files.readAllBytes(Paths.get(path)), StandardCharsets.UTF_8));
        if (!(root instanceof Map) || !(((Map<String, Object>) root).get("fields") instanceof Map))
            throw new Failure(path + ": no \"fields\" object");
        LinkedHashMap<String, FieldDef> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : ((Map<String, Object>) ((Map<String, Object>) root).get("fields")).entrySet()) {
            if (!(e.getValue() instanceof Map)) throw new Failure(path + ": field " + e.getKey() + " is not an object");
            Map<String, Object> spec = (Map<String, Object>) e.getValue();
            Object t = spec.getOrDefault("type", "text");
            Type type;
            try {
                type = Type.valueOf(String.valueOf(t).toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException ex) {
                throw new Failure(path + ": field " + e.getKey() + " has unknown type " + t);
            }
            if (e.getKey().equals("id") || e.getKey().equals(TEXT) || e.getKey().startsWith("$"))
                throw new Failure(path + ": field name " + e.getKey() + " is reserved here");
            out.put(e.getKey(), new FieldDef(e.getKey(), type, Boolean.TRUE.equals(spec.get("lowercase"))));
        }
        return out;
    }

    static List<Object> valuesOf(Object v) {
        if (v == null) return Collections.emptyList();
        if (v instanceof List) {
            List<Object> out = new ArrayList<>();
            for (Object x : (List<?>) v) if (x != null) out.add(x);
            return out;
        }
        return Collections.singletonList(v);
    }

    static long parseDate(Object v) throws Failure {
        if (v instanceof Long) return (Long) v;
        if (v instanceof Double) return (long) Math.floor((Double) v);
        String s = String.valueOf(v).trim();
        try {
            if (s.matches("-?\\d+")) return Long.parseLong(s);
            if (s.length() == 10) return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            try {
                return OffsetDateTime.parse(s).toInstant().toEpochMilli();
            } catch (DateTimeParseException e) {
                return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC).toEpochMilli();  // no zone: UTC
            }
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new Failure("not a date: " + quote(s));
        }
    }

    static long parseLong(Object v) throws Failure {
        if (v instanceof Long) return (Long) v;
        if (v instanceof Double && (Double) v == Math.rint((Double) v)) return (long) (double) (Double) v;
        try {
            return Long.parseLong(String.valueOf(v).trim());
        } catch (NumberFormatException e) {
            throw new Failure("not an integer: " + quote(String.valueOf(v)));
        }
    }

    static double parseDouble(Object v) throws Failure {
        if (v instanceof Number) return ((Number) v).doubleValue();
        try {
            double d = Double.parseDouble(String.valueOf(v).trim());
            if (!Double.isFinite(d)) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new Failure("not a finite number: " + quote(String.valueOf(v)));
        }
    }

    static String parseBool(Object v) throws Failure {
        String s = String.valueOf(v).trim();
        if (s.equals("true") || s.equals("false")) return s;
        throw new Failure("not a bool: " + quote(s));
    }

    /** The value of a numeric field as the long its points and doc values hold. */
    static long numericValue(FieldDef f, Object v) throws Failure {
        switch (f.type) {
            case INT: return parseLong(v);
            case DATE: return parseDate(v);
            case FLOAT: return NumericUtils.doubleToSortableLong(parseDouble(v));
            default: throw new IllegalStateException(f.name + " is not numeric");
        }
    }

    static String keywordValue(FieldDef f, Object v) throws Failure {
        String s = f.type == Type.BOOL ? parseBool(v) : String.valueOf(v);
        return f.lowercase ? s.toLowerCase(Locale.ROOT) : s;
    }

    static boolean isNumeric(Type t) { return t == Type.INT || t == Type.FLOAT || t == Type.DATE; }
    static boolean isKeyword(Type t) { return t == Type.KEYWORD || t == Type.BOOL; }

    static long dirSize(Path p, Map<String, Long> byExt) throws IOException {
        long sz = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
            for (Path f : ds) {
                if (!Files.isRegularFile(f)) continue;
                long n = Files.size(f);
                sz += n;
                String name = f.getFileName().toString();
                int dot = name.lastIndexOf('.');
                if (byExt != null) byExt.merge(dot < 0 ? name : name.substring(dot + 1), n, Long::sum);
            }
        }
        return sz;
    }

    // ------------------------------------------------------------------ index
    @SuppressWarnings("unchecked")
    static void index(String corpus, String schemaPath, String indexDir) throws Exception {
        LinkedHashMap<String, FieldDef> schema = readSchema(schemaPath);
        // First pass (untimed): which numeric fields are multi-valued somewhere, since a field's
        // doc values type must be the same in every document.
        try (BufferedReader r = Files.newBufferedReader(Paths.get(corpus), StandardCharsets.UTF_8)) {
            String line;
            long no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.isEmpty()) continue;
                Object o;
                try {
                    o = Json.parse(line);
                } catch (Failure e) {
                    throw new Failure(corpus + ":" + no + ": " + e.getMessage());
                }
                if (!(o instanceof Map)) throw new Failure(corpus + ":" + no + ": not a JSON object");
                for (FieldDef f : schema.values())
                    if (isNumeric(f.type) && valuesOf(((Map<String, Object>) o).get(f.name)).size() > 1) f.multi = true;
            }
        }

        double ramMB = Double.parseDouble(System.getenv().getOrDefault("PEERS_LUCENE_RAM_MB", "256"));
        long t0 = System.nanoTime();
        Path ip = Paths.get(indexDir);
        Files.createDirectories(ip);
        Directory dir = FSDirectory.open(ip);
        IndexWriterConfig cfg = new IndexWriterConfig(new PeerAnalyzer());
        cfg.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
        cfg.setRAMBufferSizeMB(ramMB);
        cfg.setSimilarity(new BM25Similarity(K1, B));
        cfg.setMergeScheduler(new SerialMergeScheduler());
        cfg.setMergePolicy(new LogByteSizeMergePolicy());
        IndexWriter w = new IndexWriter(dir, cfg);
        FacetsConfig facets = new FacetsConfig();
        for (FieldDef f : schema.values())
            if (isKeyword(f.type)) facets.setMultiValued(f.name, true);

        long docs = 0, emptyFacetValues = 0;
        long inBytes = Files.size(Paths.get(corpus));
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                new FileInputStream(corpus), StandardCharsets.UTF_8), 1 << 20)) {
            String line;
            long no = 0;
            StringBuilder text = new StringBuilder();
            while ((line = r.readLine()) != null) {
                no++;
                if (line.isEmpty()) continue;
                Map<String, Object> o = (Map<String, Object>) Json.parse(line);
                Document doc = new Document();
                Object id = o.get("id");
                if (id == null) throw new Failure(corpus + ":" + no + ": no \"id\"");
                doc.add(new StringField("id", String.valueOf(id), Field.Store.YES));
                text.setLength(0);
                boolean hasFacet = false;
                for (FieldDef f : schema.values()) {
                    List<Object> vals = valuesOf(o.get(f.name));
                    for (Object v : vals) {
                        try {
                            switch (f.type) {
                                case TEXT:
                                    if (text.length() > 0) text.append('\n');
                                    text.append(String.valueOf(v));
                                    doc.add(new StoredField(f.name, String.valueOf(v)));
                                    break;
                                case STORED:
                                    doc.add(new StoredField(f.name, String.valueOf(v)));
                                    break;
                                case KEYWORD:
                                case BOOL: {
                                    String k = keywordValue(f, v);
                                    doc.add(new StringField(f.name, k, Field.Store.NO));
                                    doc.add(new SortedSetDocValuesField(f.name, new org.apache.lucene.util.BytesRef(k)));
                                    // A facet path component may not be empty.
                                    if (!k.isEmpty()) {
                                        doc.add(new SortedSetDocValuesFacetField(f.name, k));
                                        hasFacet = true;
                                    } else {
                                        emptyFacetValues++;
                                    }
                                    doc.add(new StoredField(f.name, f.type == Type.BOOL ? k : String.valueOf(v)));
                                    break;
                                }
                                case INT:
                                case DATE:
                                case FLOAT: {
                                    long x = numericValue(f, v);
                                    if (f.type == Type.FLOAT) {
                                        double d = parseDouble(v);
                                        doc.add(new DoublePoint(f.name, d));
                                        doc.add(new StoredField(f.name, d));
                                    } else {
                                        doc.add(new LongPoint(f.name, x));
                                        doc.add(new StoredField(f.name, x));
                                    }
                                    doc.add(f.multi ? new SortedNumericDocValuesField(f.name, x)
                                                    : new NumericDocValuesField(f.name, x));
                                    break;
                                }
                            }
                        } catch (Failure e) {
                            throw new Failure(corpus + ":" + no + ": field " + f.name + ": " + e.getMessage());
                        }
                    }
                }
                doc.add(new TextField(TEXT, text.toString(), Field.Store.NO));
                w.addDocument(hasFacet ? facets.build(doc) : doc);
                docs++;
            }
        }
        w.commit();
        long t1 = System.nanoTime();
        if (!"0".equals(System.getenv("PEERS_OPTIMIZE"))) w.forceMerge(1);
        w.close();
        long t2 = System.nanoTime();
        dir.close();
        double build = (t1 - t0) / 1e9, opt = (t2 - t1) / 1e9, total = (t2 - t0) / 1e9;
        TreeMap<String, Long> byExt = new TreeMap<>();
        long size = dirSize(ip, byExt);
        StringBuilder parts = new StringBuilder();
        for (Map.Entry<String, Long> e : byExt.entrySet())
            parts.append(parts.length() == 0 ? "" : ",").append(e.getKey()).append(':').append(e.getValue());
        System.out.printf(Locale.ROOT,
            "lucene-typed %s: %d docs, %.1f MB input, build %.2fs, forceMerge(1) %.2fs, total %.2fs, "
            + "index %d bytes (%s)%s%n", Version.LATEST, docs, inBytes / 1e6, build, opt, total, size, parts,
            emptyFacetValues > 0 ? ", " + emptyFacetValues + " empty keyword values not faceted" : "");
        System.out.printf(Locale.ROOT,
            "@index engine=lucene-typed version=%s docs=%d input_bytes=%d build_s=%.3f optimize_s=%.3f total_s=%.3f "
            + "size_bytes=%d size_by_ext=%s%n", Version.LATEST, docs, inBytes, build, opt, total, size, parts);
    }

    // ------------------------------------------------------------------ queries
    static final class Q {
        String cls, line;
        Query query;      // what top10 runs
        Query countQuery; // what count runs (range, range_text); null when the class counts otherwise
        Sort sort;        // sort class
        String facetDim;  // facet class
        int facetTop = 10;
        // answers of the last timed pass
        int count = -1;
        String[] ids = new String[0];
        List<String[]> facetValues = new ArrayList<>();
    }

    static Query textQuery(Analyzer an, Map<String, Object> q, String where) throws Exception {
        Object text = q.get("text");
        if (!(text instanceof String)) throw new Failure(where + ": no \"text\"");
        String op = String.valueOf(q.getOrDefault("op", "and"));
        if (!op.equals("and") && !op.equals("or")) throw new Failure(where + ": \"op\" must be \"and\" or \"or\"");
        List<String> toks = analyze(an, (String) text);
        if (toks.isEmpty()) return new MatchNoDocsQuery();
        if (toks.size() == 1) return new TermQuery(new Term(TEXT, toks.get(0)));
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        for (String t : toks)
            b.add(new TermQuery(new Term(TEXT, t)), op.equals("and") ? BooleanClause.Occur.MUST : BooleanClause.Occur.SHOULD);
        return b.build();
    }

    @SuppressWarnings("unchecked")
    static Query rangeQuery(Map<String, FieldDef> schema, Object spec, String where) throws Exception {
        if (!(spec instanceof Map)) throw new Failure(where + ": no \"range\" object");
        Map<String, Object> r = (Map<String, Object>) spec;
        FieldDef f = schema.get(String.valueOf(r.get("field")));
        if (f == null || !isNumeric(f.type))
            throw new Failure(where + ": range field " + r.get("field") + " is not an int, float or date field of the schema");
        Object lo = r.get("gt") != null ? r.get("gt") : r.get("gte");
        Object hi = r.get("lt") != null ? r.get("lt") : r.get("lte");
        boolean loOpen = r.get("gt") != null, hiOpen = r.get("lt") != null;
        try {
            if (f.type == Type.FLOAT) {
                double a = lo == null ? Double.NEGATIVE_INFINITY : parseDouble(lo);
                double b = hi == null ? Double.POSITIVE_INFINITY : parseDouble(hi);
                if (lo != null && loOpen) a = Math.nextUp(a);
                if (hi != null && hiOpen) b = Math.nextDown(b);
                return DoublePoint.newRangeQuery(f.name, a, b);
            }
            long a = lo == null ? Long.MIN_VALUE : numericValue(f, lo);
            long b = hi == null ? Long.MAX_VALUE : numericValue(f, hi);
            if (lo != null && loOpen) {
                if (a == Long.MAX_VALUE) return new MatchNoDocsQuery();
                a++;
            }
            if (hi != null && hiOpen) {
                if (b == Long.MIN_VALUE) return new MatchNoDocsQuery();
                b--;
            }
            return LongPoint.newRangeQuery(f.name, a, b);
        } catch (Failure e) {
            throw new Failure(where + ": range on " + f.name + ": " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    static List<Q> readQueries(String path, Map<String, FieldDef> schema, Analyzer an) throws Exception {
        List<Q> out = new ArrayList<>();
        long no = 0;
        for (String line : Files.readAllLines(Paths.get(path), StandardCharsets.UTF_8)) {
            no++;
            if (line.isEmpty() || line.startsWith("#")) continue;
            String where = path + ":" + no;
            Object o;
            try {
                o = Json.parse(line);
            } catch (Failure e) {
                throw new Failure(where + ": " + e.getMessage());
            }
            if (!(o instanceof Map)) throw new Failure(where + ": not a JSON object");
            Map<String, Object> m = (Map<String, Object>) o;
            Q q = new Q();
            q.line = line;
            q.cls = String.valueOf(m.get("class"));
            switch (q.cls) {
                case "range":
                    q.query = rangeQuery(schema, m.get("range"), where);
                    q.countQuery = q.query;
                    break;
                case "range_text": {
                    BooleanQuery.Builder b = new BooleanQuery.Builder();
                    b.add(textQuery(an, m, where), BooleanClause.Occur.MUST);
                    b.add(rangeQuery(schema, m.get("range"), where), BooleanClause.Occur.FILTER);
                    q.query = b.build();
                    q.countQuery = q.query;
                    break;
                }
                case "sort": {
                    q.query = textQuery(an, m, where);
                    Map<String, Object> s = m.get("sort") instanceof Map ? (Map<String, Object>) m.get("sort") : null;
                    FieldDef f = s == null ? null : schema.get(String.valueOf(s.get("field")));
                    if (f == null || !isNumeric(f.type))
                        throw new Failure(where + ": sort field is not an int, float or date field of the schema");
                    boolean desc = "desc".equals(s.getOrDefault("order", "desc"));
                    // Floats hold sortable longs, so every numeric field sorts as LONG; missing
                    // values last in either direction; a multi-valued field by its largest value
                    // descending and its smallest ascending (Lucene's default is the smallest).
                    SortField sf = f.multi
                        ? new SortedNumericSortField(f.name, SortField.Type.LONG, desc,
                              desc ? SortedNumericSelector.Type.MAX : SortedNumericSelector.Type.MIN)
                        : new SortField(f.name, SortField.Type.LONG, desc);
                    sf.setMissingValue(desc ? Long.MIN_VALUE : Long.MAX_VALUE);
                    q.sort = new Sort(sf, SortField.FIELD_SCORE, SortField.FIELD_DOC);
                    q.countQuery = q.query;
                    break;
                }
                case "facet": {
                    q.query = textQuery(an, m, where);
                    Map<String, Object> fc = m.get("facet") instanceof Map ? (Map<String, Object>) m.get("facet") : null;
                    FieldDef f = fc == null ? null : schema.get(String.valueOf(fc.get("field")));
                    if (f == null || !isKeyword(f.type))
                        throw new Failure(where + ": facet field is not a keyword or bool field of the schema");
                    q.facetDim = f.name;
                    if (fc.get("top") != null) q.facetTop = (int) parseLong(fc.get("top"));
                    break;
                }
                default:
                    throw new Failure(where + ": unknown class " + quote(q.cls)
                        + " (range, range_text, sort, facet)");
            }
            out.add(q);
        }
        return out;
    }

    /** Runs one query's timed part; returns a value the JIT cannot discard. */
    static long runTop(IndexSearcher s, SortedSetDocValuesReaderState state, Q q, boolean keep) throws IOException {
        if (q.facetDim != null) {
            FacetsCollector fc = new FacetsCollector();
            TopDocs td = FacetsCollector.search(s, q.query, 10, fc);
            Facets f = new SortedSetDocValuesFacetCounts(state, fc);
            FacetResult fr = f.getTopChildren(q.facetTop, q.facetDim);
            if (keep) {
                q.count = countOf(fc);
                keepIds(s, q, td);
                q.facetValues.clear();
                if (fr != null)
                    for (LabelAndValue lv : fr.labelValues) q.facetValues.add(new String[] { lv.label, lv.value.toString() });
            }
            return td.scoreDocs.length + (fr == null ? 0 : fr.childCount);
        }
        TopDocs td = q.sort != null ? s.search(q.query, 10, q.sort) : s.search(q.query, 10);
        if (keep) keepIds(s, q, td);
        return td.scoreDocs.length;
    }

    static int countOf(FacetsCollector fc) {
        int n = 0;
        for (FacetsCollector.MatchingDocs md : fc.getMatchingDocs()) n += md.totalHits;
        return n;
    }

    static void keepIds(IndexSearcher s, Q q, TopDocs td) throws IOException {
        q.ids = new String[td.scoreDocs.length];
        for (int k = 0; k < td.scoreDocs.length; k++) q.ids[k] = "\u0000" + td.scoreDocs[k].doc;  // resolved later
    }

    static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? 0 : (n % 2 == 1) ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
    }

    /** Nearest-rank percentile (p in (0, 100]). */
    static double percentile(List<Double> v, double p) {
        if (v.isEmpty()) return 0;
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int rank = (int) Math.ceil(p / 100.0 * s.length);
        return s[Math.max(0, Math.min(s.length - 1, rank - 1))];
    }

    static void query(String indexDir, String schemaPath, String qfile, int reps, int warmup, double warmupS,
                      String outFile) throws Exception {
        LinkedHashMap<String, FieldDef> schema = readSchema(schemaPath);
        Directory dir = FSDirectory.open(Paths.get(indexDir));
        DirectoryReader reader = DirectoryReader.open(dir);
        // A numeric field indexed with SortedNumeric doc values is multi-valued for sorting too.
        for (FieldDef f : schema.values())
            if (isNumeric(f.type))
                for (LeafReaderContext ctx : reader.leaves()) {
                    FieldInfo fi = ctx.reader().getFieldInfos().fieldInfo(f.name);
                    if (fi != null && fi.getDocValuesType() == DocValuesType.SORTED_NUMERIC) f.multi = true;
                }
        Analyzer an = new PeerAnalyzer();
        List<Q> qs = readQueries(qfile, schema, an);
        int nq = qs.size();

        IndexSearcher s = new IndexSearcher(reader);  // no executor: single-threaded search
        s.setSimilarity(new BM25Similarity(K1, B));
        s.setQueryCache(null);                        // no result caching across repetitions
        long st0 = System.nanoTime();
        SortedSetDocValuesReaderState state = null;
        if (qs.stream().anyMatch(q -> q.facetDim != null)) {
            try {
                state = new DefaultSortedSetDocValuesReaderState(reader);
            } catch (IllegalArgumentException e) {  // no document has a keyword value
                throw new Failure(qfile + ": facet queries, but the index has no facet values");
            }
        }
        double stateMs = (System.nanoTime() - st0) / 1e6;
        for (Q q : qs)
            if (q.facetDim != null && state != null && state.getOrdRange(q.facetDim) == null)
                throw new Failure(qfile + ": facet field " + q.facetDim + " has no values in the index");

        long sink = 0;
        long w0 = System.nanoTime();
        int passes = 0;
        while (passes < warmup || (System.nanoTime() - w0) < warmupS * 1e9) {
            for (Q q : qs) {
                sink += runTop(s, state, q, false);
                if (q.countQuery != null) sink += s.count(q.countQuery);
            }
            passes++;
        }
        double warmSecs = (System.nanoTime() - w0) / 1e9;
        long[][] tTop = new long[nq][reps], tCnt = new long[nq][reps];
        for (int r = 0; r < reps; r++)
            for (int i = 0; i < nq; i++) {
                Q q = qs.get(i);
                long a = System.nanoTime();
                sink += runTop(s, state, q, r == reps - 1);
                long b = System.nanoTime();
                tTop[i][r] = b - a;
                // The sort class's count is not timed: it is only there to cross-check answers.
                if (q.countQuery != null && !q.cls.equals("sort")) {
                    q.count = s.count(q.countQuery);
                    tCnt[i][r] = System.nanoTime() - b;
                }
            }
        for (Q q : qs) {
            if (q.cls.equals("sort")) q.count = s.count(q.countQuery);
            for (int k = 0; k < q.ids.length; k++)
                q.ids[k] = s.doc(Integer.parseInt(q.ids[k].substring(1))).get("id");
        }

        LinkedHashMap<String, List<Double>> byTop = new LinkedHashMap<>(), byCnt = new LinkedHashMap<>();
        double[] qTop = new double[nq], qCnt = new double[nq];
        for (int i = 0; i < nq; i++) {
            Q q = qs.get(i);
            qTop[i] = median(tTop[i]) / 1000.0;
            qCnt[i] = median(tCnt[i]) / 1000.0;
            byTop.computeIfAbsent(q.cls, k -> new ArrayList<>()).add(qTop[i]);
            if (q.countQuery != null && !q.cls.equals("sort"))
                byCnt.computeIfAbsent(q.cls, k -> new ArrayList<>()).add(qCnt[i]);
        }
        System.out.printf(Locale.ROOT,
            "lucene-typed %s: %d docs, %d queries, facet state %.1f ms, warm-up %d passes in %.1fs, reps %d%n",
            Version.LATEST, reader.numDocs(), nq, stateMs, passes, warmSecs, reps);
        for (String c : byTop.keySet()) {
            List<Double> a = byTop.get(c), b = byCnt.getOrDefault(c, Collections.emptyList());
            System.out.printf(Locale.ROOT,
                "@query engine=lucene-typed class=%s n=%d top10_median_us=%.1f top10_p90_us=%.1f "
                + "count_median_us=%s count_p90_us=%s%n", c, a.size(), percentile(a, 50), percentile(a, 90),
                b.isEmpty() ? "-" : String.format(Locale.ROOT, "%.1f", percentile(b, 50)),
                b.isEmpty() ? "-" : String.format(Locale.ROOT, "%.1f", percentile(b, 90)));
        }
        if (outFile != null) {
            try (PrintWriter pw = new PrintWriter(new OutputStreamWriter(
                    new FileOutputStream(outFile), StandardCharsets.UTF_8))) {
                for (int i = 0; i < nq; i++) {
                    Q q = qs.get(i);
                    StringBuilder sb = new StringBuilder();
                    sb.append("{\"qno\": ").append(i).append(", \"class\": ").append(quote(q.cls));
                    sb.append(", \"count\": ").append(q.count);
                    sb.append(String.format(Locale.ROOT, ", \"top10_us\": %.1f", qTop[i]));
                    if (q.countQuery != null && !q.cls.equals("sort"))
                        sb.append(String.format(Locale.ROOT, ", \"count_us\": %.1f", qCnt[i]));
                    sb.append(", \"ids\": [");
                    for (int k = 0; k < q.ids.length; k++) sb.append(k == 0 ? "" : ", ").append(quote(q.ids[k]));
                    sb.append("]");
                    if (q.facetDim != null) {
                        sb.append(", \"facets\": [");
                        for (int k = 0; k < q.facetValues.size(); k++)
                            sb.append(k == 0 ? "" : ", ").append("{\"value\": ").append(quote(q.facetValues.get(k)[0]))
                              .append(", \"count\": ").append(q.facetValues.get(k)[1]).append("}");
                        sb.append("]");
                    }
                    sb.append("}");
                    pw.println(sb);
                }
            }
        }
        if (sink == 42) System.err.print("");
        reader.close();
        dir.close();
    }

    public static void main(String[] args) {
        try {
            if (args.length == 4 && args[0].equals("index")) {
                index(args[1], args[2], args[3]);
                return;
            }
            if (args.length >= 4 && args[0].equals("query")) {
                int reps = 5, warmup = 2;
                double warmupS = 20;
                String out = null;
                for (int i = 4; i < args.length; i++) {
                    if (i + 1 >= args.length) throw new Failure("option " + args[i] + " needs a value");
                    switch (args[i]) {
                        case "--reps": reps = Integer.parseInt(args[++i]); break;
                        case "--warmup": warmup = Integer.parseInt(args[++i]); break;
                        case "--warmup-s": warmupS = Double.parseDouble(args[++i]); break;
                        case "--out": out = args[++i]; break;
                        default: throw new Failure("unknown option " + args[i]);
                    }
                }
                query(args[1], args[2], args[3], Math.max(1, reps), warmup, warmupS, out);
                return;
            }
            System.err.println("usage: LuceneTypedBench index CORPUS.jsonl SCHEMA.json INDEXDIR\n"
                + "       LuceneTypedBench query INDEXDIR SCHEMA.json QUERIES.jsonl [--reps R] [--warmup W]"
                + " [--warmup-s S] [--out RESULTS.jsonl]");
            System.exit(2);
        } catch (Failure e) {
            System.err.println("lucene-typed: " + e.getMessage());
            System.exit(1);
        } catch (Exception e) {
            System.err.println("lucene-typed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }
}
