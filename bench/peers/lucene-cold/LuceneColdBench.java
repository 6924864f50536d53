// LuceneColdBench: one start of a fresh JVM on a Lucene index built by the peers' Lucene adapter
// (../shared/tools/peers/lucene: `bench index CORPUS DIR`): how long opening it takes and its
// first queries, measured as trawl_cold_bench.cc beside it measures trawl's (run.py runs both,
// evicting the index from the page cache before each start).
//
//   LuceneColdBench INDEXDIR QUERIES.tsv FIRST [NEXT...] [--repeat R] [--warm-on DIR]
//
// QUERIES.tsv: a peers query file; FIRST and NEXT are query numbers in it (0-based over its
// `class<TAB>words` lines). Reading the file is not timed. Then, each step timed alone with
// System.nanoTime (monotonic):
//   open   FSDirectory.open (MMapDirectory), DirectoryReader.open, the IndexSearcher set up as
//          the peers' (BM25(1.2, 0.75), no query cache) and the peers' analyzer
//   query  query FIRST R times (default 3), then each NEXT once: LuceneBench.buildQuery (the
//          peers adapter's own translation, analysis included) and IndexSearcher.search(q, 10)
// The JVM's class loading and interpreted (not yet compiled) code are part of these steps: they
// are what a fresh Lucene process pays. --warm-on DIR first opens another index and runs every
// query of the file on it once (step `prewarm`), so that what is cold is the index and less of
// the JVM: a server opening a new index, not a server starting (one pass is far from a JVM that
// has run for hours: its code is partly compiled at best). The time from the launch to main() (COLD_LAUNCH_NS, set
// by the launcher to CLOCK_REALTIME nanoseconds just before starting the JVM) is the JVM's
// start-up and is reported apart. Per step also the process CPU time (all threads: JIT compiler
// and collector included), the major page faults (/proc/self/stat) and
// bytes read from storage (/proc/self/io read_bytes). Lines starting with '@' are for run.py.

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

public final class LuceneColdBench {
    private LuceneColdBench() {}

    /** Major page faults of this process so far (field 12 of /proc/self/stat). */
    static long majorFaults() throws IOException {
        String stat = new String(Files.readAllBytes(Paths.get("/proc/self/stat")), StandardCharsets.US_ASCII);
        String[] rest = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Long.parseLong(rest[12 - 3]);
    }

    /** Bytes this process has caused to be read from storage (-1 where the kernel does not count). */
    static long readBytes() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/io"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("read_bytes:")) return Long.parseLong(line.substring(11).trim());
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    static final com.sun.management.OperatingSystemMXBean OS =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    static final class Probe {
        final long t, cpu, faults, bytes;
        Probe() throws IOException {
            t = System.nanoTime();
            cpu = OS.getProcessCpuTime();
            faults = majorFaults();
            bytes = readBytes();
        }
    }

    static void report(String step, int n, String extra, Probe a, Probe b) {
        System.out.printf(Locale.ROOT, "@cold engine=lucene step=%s n=%d ms=%.3f cpu_ms=%.3f major_faults=%d read_bytes=%d%s%n",
            step, n, (b.t - a.t) / 1e6, (b.cpu - a.cpu) / 1e6, b.faults - a.faults, b.bytes - a.bytes, extra);
    }

    public static void main(String[] args) throws Exception {
        Instant entered = Instant.now();
        List<String> positional = new ArrayList<>();
        int repeat = 3;
        String warmOn = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--warm-on") && i + 1 < args.length) warmOn = args[++i];
            else if (args[i].equals("--repeat") && i + 1 < args.length) repeat = Math.max(1, Integer.parseInt(args[++i]));
            else if (args[i].startsWith("--")) throw new IllegalArgumentException("unknown option " + args[i]);
            else positional.add(args[i]);
        }
        if (positional.size() < 3) {
            System.err.println("usage: LuceneColdBench INDEXDIR QUERIES.tsv FIRST [NEXT...] [--repeat R] [--warm-on DIR]");
            System.exit(2);
        }
        String launch = System.getenv("COLD_LAUNCH_NS");
        if (launch != null) {
            double ns = entered.getEpochSecond() * 1e9 + entered.getNano() - Double.parseDouble(launch);
            System.out.printf(Locale.ROOT, "@cold engine=lucene step=launch n=0 ms=%.3f%n", ns / 1e6);
        }
        List<String> classes = new ArrayList<>(), texts = new ArrayList<>();
        for (String line : Files.readAllLines(Paths.get(positional.get(1)), StandardCharsets.UTF_8)) {
            if (line.isEmpty() || line.startsWith("#")) continue;
            int tab = line.indexOf('\t');
            if (tab < 0) continue;
            classes.add(line.substring(0, tab));
            texts.add(line.substring(tab + 1).trim());
        }
        List<Integer> plan = new ArrayList<>();
        for (int i = 2; i < positional.size(); i++) {
            int q = Integer.parseInt(positional.get(i));
            if (q < 0 || q >= texts.size()) throw new IllegalArgumentException("no query " + q);
            for (int r = 0; r < (i == 2 ? repeat : 1); r++) plan.add(q);
        }

        if (warmOn != null) {
            Probe a = new Probe();
            try (Directory otherDir = FSDirectory.open(Paths.get(warmOn));
                 DirectoryReader other = DirectoryReader.open(otherDir)) {
                IndexSearcher s = new IndexSearcher(other);
                s.setSimilarity(new BM25Similarity(LuceneBench.K1, LuceneBench.B));
                s.setQueryCache(null);
                Analyzer an = new LuceneBench.PeerAnalyzer();
                long sink = 0;
                for (int q = 0; q < texts.size(); q++) {
                    sink += s.search(LuceneBench.buildQuery(an, classes.get(q), texts.get(q)), 10).scoreDocs.length;
                }
                if (sink == 42) System.err.print("");
            }
            report("prewarm", 0, "", a, new Probe());
        }

        Probe beforeOpen = new Probe();
        Directory dir = FSDirectory.open(Paths.get(positional.get(0)));
        DirectoryReader reader = DirectoryReader.open(dir);
        IndexSearcher searcher = new IndexSearcher(reader);
        searcher.setSimilarity(new BM25Similarity(LuceneBench.K1, LuceneBench.B));
        searcher.setQueryCache(null);
        Analyzer analyzer = new LuceneBench.PeerAnalyzer();
        report("open", 0, "", beforeOpen, new Probe());

        for (int k = 0; k < plan.size(); k++) {
            int q = plan.get(k);
            Probe a = new Probe();
            Query query = LuceneBench.buildQuery(analyzer, classes.get(q), texts.get(q));
            TopDocs top = searcher.search(query, 10);
            Probe b = new Probe();
            report("query", k + 1, String.format(Locale.ROOT, " qno=%d class=%s hits=%d top_score=%.4f", q,
                classes.get(q), top.scoreDocs.length, top.scoreDocs.length > 0 ? top.scoreDocs[0].score : 0.0),
                a, b);
        }
        reader.close();
        dir.close();
    }
}
