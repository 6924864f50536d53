// trawl-index --mpi (indexer/mpi_driver.h): rank 0 plans the job and hands parts out on
// request; every rank, rank 0 included, builds the parts it is given and reports back.
//
// Why dynamic hand-out rather than part p on rank p mod R: the hash spreads documents evenly
// over the parts by count, but not the time a part takes (long documents, a slower machine, a
// busy node), and more parts than ranks only balances that if an idle rank takes the next part.
// The price is that each part reads all the inputs (docs/scaling.md measures it); a rank never
// needs to know in advance which parts it will build, and a part is the unit of a rerun.
//
// Only the main thread calls MPI (MPI_THREAD_FUNNELED). Rank 0's main thread is the
// coordinator; its own share of the parts is built on a second thread that takes parts from
// the same queue under a mutex. Waiting ranks poll with sleeps instead of blocking in MPI: Open
// MPI's blocking calls spin, which on an oversubscribed node would take a core from a rank that
// is indexing.
#include "indexer/mpi_driver.h"

#include <iostream>

#ifdef TRAWL_HAVE_MPI
#include <mpi.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "indexer/shard_job.h"
#endif

namespace trawl {

#ifndef TRAWL_HAVE_MPI

bool MpiBuilt() { return false; }

int RunMpiJob(int, char**, const MpiJob&) {
  std::cerr << "trawl-index: error: --mpi: this trawl-index was built without MPI (install "
               "libopenmpi-dev and configure with -DTRAWL_MPI=ON); --part I/N builds the parts "
               "under any other scheduler (docs/scaling.md)\n";
  return 1;
}

#else  // TRAWL_HAVE_MPI

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kTagReport = 1;  // worker -> rank 0: "ready", or how a part ended (JSON text)
constexpr int kTagAssign = 2;  // rank 0 -> worker: the next part, or kNoPart
constexpr int kTagFinal = 3;   // rank 0 -> worker: the job's exit status
constexpr int kNoPart = -1;
constexpr int kExitFailed = 1;
constexpr int kExitSkipped = 2;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The CPU time this process has used, user and system: what a part cost, which on a shared or
// oversubscribed node says more than the wall time.
double CpuSeconds() {
  struct rusage usage;
  if (::getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Waits for a request without spinning (see the file comment): short sleeps at first, so that
// the quick answers of rank 0 cost little, growing to 20 ms for the long waits.
void WaitFor(MPI_Request* request) {
  auto pause = std::chrono::microseconds(50);
  for (int done = 0; MPI_Test(request, &done, MPI_STATUS_IGNORE), !done;) {
    std::this_thread::sleep_for(pause);
    pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(20));
  }
}

void SendText(const std::string& text, int dest, int tag) {
  MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, dest, tag, MPI_COMM_WORLD);
}

int ReceiveInt(int source, int tag) {
  int value = 0;
  MPI_Request request;
  MPI_Irecv(&value, 1, MPI_INT, source, tag, MPI_COMM_WORLD, &request);
  WaitFor(&request);
  return value;
}

// Rank 0's JSON text to every rank: the job's plan, or why there is none.
std::string BroadcastText(std::string text, int rank) {
  int size = static_cast<int>(text.size());
  MPI_Request request;
  MPI_Ibcast(&size, 1, MPI_INT, 0, MPI_COMM_WORLD, &request);
  WaitFor(&request);
  if (rank != 0) text.assign(static_cast<size_t>(size), '\0');
  MPI_Ibcast(text.data(), size, MPI_CHAR, 0, MPI_COMM_WORLD, &request);
  WaitFor(&request);
  return text;
}

std::string ProcessorName() {
  char name[MPI_MAX_PROCESSOR_NAME];
  int length = 0;
  MPI_Get_processor_name(name, &length);
  return std::string(name, static_cast<size_t>(length));
}

// Test hooks (tests/mpi_driver_test.py): the number of a part whose build is made to fail, or
// whose rank is killed after the part's commit and before its marker, the worst moment.
bool HookNamesPart(const char* variable, uint32_t part) {
  const char* value = std::getenv(variable);
  return value != nullptr && *value != '\0' && std::to_string(part) == value;
}

// Builds one part from an empty directory and records its completion; the report rank 0 gets.
nlohmann::ordered_json BuildPart(const MpiJob& job, uint32_t parts, const std::string& fingerprint,
                                 uint32_t part, int rank, const std::string& host) {
  const Clock::time_point start = Clock::now();
  const double cpu_start = CpuSeconds();
  PartOutcome outcome;
  Status s = ResetPart(job.index_dir, part);
  if (!s.ok()) {
    outcome.error = s.ToString();
  } else {
    try {
      outcome = job.build_part(job.index_dir + "/" + PartDirName(part), part, parts);
    } catch (const std::exception& e) {
      outcome = PartOutcome();
      outcome.error = e.what();
    }
  }
  if (outcome.exit_code != kExitFailed && HookNamesPart("TRAWL_TEST_MPI_FAIL_PART", part)) {
    outcome.exit_code = kExitFailed;
    outcome.error = "failure injected by TRAWL_TEST_MPI_FAIL_PART";
  }
  if (outcome.exit_code != kExitFailed) {
    if (HookNamesPart("TRAWL_TEST_MPI_KILL_PART", part)) ::kill(::getpid(), SIGKILL);
    s = WritePartMarker(job.index_dir, part, parts, fingerprint, outcome.documents);
    if (!s.ok()) {
      outcome.exit_code = kExitFailed;
      outcome.error = "committed, but the marker was not written: " + s.ToString();
    }
  }
  nlohmann::ordered_json report;
  report["part"] = part;
  report["rank"] = rank;
  report["host"] = host;
  report["exit_code"] = outcome.exit_code;
  if (outcome.exit_code == kExitFailed) report["error"] = outcome.error;
  report["documents"] = outcome.documents;
  report["seconds"] = SecondsSince(start);
  // The whole process's: on rank 0 it includes the coordinator's few polls.
  report["cpu_seconds"] = CpuSeconds() - cpu_start;
  report["summary"] = std::move(outcome.summary);
  return report;
}

// Rank 0's queue of parts and the reports that came back. Thread-safe: the coordinator (main
// thread) and rank 0's own builder take parts from it.
class PartQueue {
 public:
  explicit PartQueue(const std::vector<uint32_t>& parts) : todo_(parts.begin(), parts.end()) {}

  // The next part to build; kNoPart once all are handed out or one has failed (the job fails
  // anyway, and what already committed is kept for the rerun).
  int Next() {
    std::lock_guard<std::mutex> lock(mu_);
    if (failed_ || todo_.empty()) return kNoPart;
    const int part = static_cast<int>(todo_.front());
    todo_.pop_front();
    return part;
  }

  void Record(nlohmann::ordered_json report, bool quiet) {
    std::lock_guard<std::mutex> lock(mu_);
    if (report.value("exit_code", kExitFailed) == kExitFailed) failed_ = true;
    if (!quiet) {
      std::cerr << "part " << report["part"] << " "
                << (report.contains("error") ? "FAILED" : "committed") << " on rank "
                << report["rank"] << " (" << report["host"].get<std::string>()
                << "): " << report["documents"] << " documents in "
                << report["seconds"].get<double>() << " s" << std::endl;
    }
    reports_.push_back(std::move(report));
  }

  // After every builder has stopped.
  std::vector<nlohmann::ordered_json> TakeReports() {
    std::lock_guard<std::mutex> lock(mu_);
    std::sort(reports_.begin(), reports_.end(),
              [](const auto& a, const auto& b) { return a["part"] < b["part"]; });
    return std::move(reports_);
  }

 private:
  std::mutex mu_;
  std::deque<uint32_t> todo_;
  bool failed_ = false;
  std::vector<nlohmann::ordered_json> reports_;
};

struct Plan {
  uint32_t parts = 0;
  std::string fingerprint;
  JobPlan job;
};

// Rank 0: the job's plan as JSON for every rank, or {"error": ...}.
nlohmann::ordered_json MakePlan(const MpiJob& job, int ranks, Plan* plan) {
  plan->parts = job.parts != 0 ? job.parts : static_cast<uint32_t>(ranks);
  plan->fingerprint = JobFingerprint(job.inputs, job.options_key);
  nlohmann::ordered_json j;
  const Status s = PlanJob(job.index_dir, plan->parts, plan->fingerprint, job.force, &plan->job);
  if (!s.ok()) {
    j["error"] = s.IsInvalidArgument() ? s.message() : s.ToString();
    return j;
  }
  j["parts"] = plan->parts;
  j["fingerprint"] = plan->fingerprint;
  return j;
}

// Rank 0: serves the other ranks' requests while its own builder works, until every rank has
// been told there is nothing left.
void Coordinate(const MpiJob& job, const Plan& plan, int ranks, PartQueue* queue) {
  std::atomic<bool> own_done{false};
  const std::string host = ProcessorName();
  std::thread own([&] {
    for (int part; (part = queue->Next()) != kNoPart;) {
      queue->Record(BuildPart(job, plan.parts, plan.fingerprint, static_cast<uint32_t>(part), 0,
                              host),
                    job.quiet);
    }
    own_done = true;
  });
  int remote_active = ranks - 1;
  auto pause = std::chrono::microseconds(50);
  while (remote_active > 0 || !own_done) {
    int pending = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, kTagReport, MPI_COMM_WORLD, &pending, &status);
    if (!pending) {
      std::this_thread::sleep_for(pause);
      pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(5));
      continue;
    }
    pause = std::chrono::microseconds(50);
    int length = 0;
    MPI_Get_count(&status, MPI_CHAR, &length);
    std::string text(static_cast<size_t>(length), '\0');
    MPI_Recv(text.data(), length, MPI_CHAR, status.MPI_SOURCE, kTagReport, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    nlohmann::ordered_json report = nlohmann::ordered_json::parse(text, nullptr, false);
    if (report.is_object() && report.contains("part")) queue->Record(std::move(report), job.quiet);
    int part = queue->Next();
    MPI_Send(&part, 1, MPI_INT, status.MPI_SOURCE, kTagAssign, MPI_COMM_WORLD);
    if (part == kNoPart) --remote_active;
  }
  own.join();
}

// Rank 0, once every rank has stopped: shards.json if all parts committed, the summaries, and
// the job's exit status.
int Finish(const MpiJob& job, const Plan& plan, int ranks, Clock::time_point start,
           std::vector<nlohmann::ordered_json> reports) {
  int exit_code = 0;
  std::string error;  // the first failure, for --json-summary
  size_t failed = 0;
  uint64_t documents = 0;
  for (size_t i = 0; i < plan.job.reused.size(); ++i) documents += plan.job.reused_documents[i];
  for (const auto& report : reports) {
    const int code = report.value("exit_code", kExitFailed);
    documents += report.value("documents", uint64_t{0});
    if (code == kExitFailed) {
      std::cerr << "trawl-index: error: part " << report["part"] << " (rank " << report["rank"]
                << ", " << report["host"].get<std::string>()
                << "): " << report["error"].get<std::string>() << std::endl;
      if (failed++ == 0) {
        error = "part " + report["part"].dump() + ": " + report["error"].get<std::string>();
      }
    }
    if (code == kExitFailed || exit_code == kExitFailed) {
      exit_code = kExitFailed;
    } else if (code == kExitSkipped) {
      exit_code = kExitSkipped;
    }
  }
  const size_t committed = plan.job.reused.size() + reports.size();
  if (exit_code != kExitFailed && committed != plan.parts) {
    exit_code = kExitFailed;  // cannot happen unless a rank lost a part: never write the list
    error = "only " + std::to_string(committed) + " of " + std::to_string(plan.parts) +
            " parts reported";
  }
  if (exit_code != kExitFailed) {
    const Status s = WriteShardSet(job.index_dir, plan.parts);
    if (!s.ok()) {
      exit_code = kExitFailed;
      error = "shards.json: " + s.ToString();
    }
  }
  if (exit_code == kExitFailed) {
    if (failed > 0) {
      std::cerr << "trawl-index: error: " << failed << " of " << plan.parts << " parts failed";
    } else {
      std::cerr << "trawl-index: error: " << error;
    }
    std::cerr << "; no shards.json written. The parts that committed are kept: rerunning the "
              << "same command builds only the others\n";
  } else if (!job.quiet) {
    std::cerr << "built " << reports.size() << " of " << plan.parts << " parts on " << ranks
              << " ranks (" << plan.job.reused.size() << " kept from an earlier run), "
              << documents << " documents in " << SecondsSince(start) << " s; " << job.index_dir
              << "/shards.json written\n";
  }
  if (job.json_summary) {
    nlohmann::ordered_json j;
    j["status"] = exit_code == 0 ? "ok" : exit_code == kExitSkipped ? "skipped" : "failed";
    j["exit_code"] = exit_code;
    if (!error.empty()) j["error"] = error;
    j["parts"] = plan.parts;
    j["ranks"] = ranks;
    j["built"] = nlohmann::ordered_json::array();
    for (const auto& report : reports) j["built"].push_back(report["part"]);
    j["reused"] = plan.job.reused;
    j["documents"] = documents;
    j["seconds"] = SecondsSince(start);
    j["index"] = {{"path", job.index_dir}, {"documents", documents}};
    j["part_runs"] = reports;
    std::cout << j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
              << std::endl;
  }
  return exit_code;
}

int RunRankZero(const MpiJob& job, int ranks, Clock::time_point start) {
  Plan plan;
  const nlohmann::ordered_json plan_json = MakePlan(job, ranks, &plan);
  BroadcastText(plan_json.dump(), 0);
  if (plan_json.contains("error")) {
    std::cerr << "trawl-index: error: " << plan_json["error"].get<std::string>() << "\n";
    if (job.json_summary) {
      nlohmann::ordered_json j;
      j["status"] = "failed";
      j["exit_code"] = kExitFailed;
      j["error"] = plan_json["error"];
      std::cout << j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
                << std::endl;
    }
    return kExitFailed;
  }
  PartQueue queue(plan.job.to_build);
  Coordinate(job, plan, ranks, &queue);
  const int exit_code = Finish(job, plan, ranks, start, queue.TakeReports());
  for (int rank = 1; rank < ranks; ++rank) {
    MPI_Send(&exit_code, 1, MPI_INT, rank, kTagFinal, MPI_COMM_WORLD);
  }
  return exit_code;
}

int RunWorker(const MpiJob& job, int rank) {
  const nlohmann::ordered_json plan =
      nlohmann::ordered_json::parse(BroadcastText(std::string(), rank), nullptr, false);
  if (!plan.is_object() || plan.contains("error")) return kExitFailed;  // rank 0 says why
  const uint32_t parts = plan["parts"].get<uint32_t>();
  const std::string fingerprint = plan["fingerprint"].get<std::string>();
  const std::string host = ProcessorName();
  nlohmann::ordered_json report = {{"ready", true}};
  for (;;) {
    SendText(report.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace), 0,
             kTagReport);
    const int part = ReceiveInt(0, kTagAssign);
    if (part == kNoPart) break;
    report = BuildPart(job, parts, fingerprint, static_cast<uint32_t>(part), rank, host);
  }
  return ReceiveInt(0, kTagFinal);
}

}  // namespace

bool MpiBuilt() { return true; }

int RunMpiJob(int argc, char** argv, const MpiJob& job) {
  const Clock::time_point start = Clock::now();
  int provided = MPI_THREAD_SINGLE;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  if (provided < MPI_THREAD_FUNNELED) {
    if (rank == 0) std::cerr << "trawl-index: error: --mpi: the MPI library offers no threads\n";
    MPI_Finalize();
    return kExitFailed;
  }
  const int exit_code = rank == 0 ? RunRankZero(job, ranks, start) : RunWorker(job, rank);
  MPI_Finalize();
  return exit_code;
}

#endif  // TRAWL_HAVE_MPI

}  // namespace trawl
