// ConfigHistory over libgit2; see config_history.h. The only file of the
// project that includes git2.h.
#include "history/config_history.h"

#include <git2.h>
#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>

#include "common/log.h"

namespace esan::history {

namespace {

template <class T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
template <class T, void (*F)(T*)>
using Owned = std::unique_ptr<T, Free<T, F>>;

using Repo = Owned<git_repository, git_repository_free>;
using Object = Owned<git_object, git_object_free>;
using Commit = Owned<git_commit, git_commit_free>;
using Tree = Owned<git_tree, git_tree_free>;
using Blob = Owned<git_blob, git_blob_free>;
using TreeBuilder = Owned<git_treebuilder, git_treebuilder_free>;
using Signature = Owned<git_signature, git_signature_free>;
using Revwalk = Owned<git_revwalk, git_revwalk_free>;
using Diff = Owned<git_diff, git_diff_free>;
using Remote = Owned<git_remote, git_remote_free>;

constexpr const char* kBranch = "refs/heads/main";

// libgit2's last error for `what` (kIo).
std::unexpected<Error> git_failure(const std::string& where, std::string_view what) {
  const ::git_error* e = git_error_last();
  return make_error(Errc::kIo, fmt::format("configuration history {}: {}: {}", where, what,
                                           e && e->message ? e->message : "unknown libgit2 error"));
}

std::string oid_text(const git_oid& id) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, &id);
  return buf;
}

std::string clean_author(std::string_view author) {
  std::string out;
  for (char c : author)
    if (c != '<' && c != '>' && c != '\n' && c != '\r' && c != '\0') out += c;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  while (!out.empty() && out.front() == ' ') out.erase(out.begin());
  return out.empty() ? "unknown" : out;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

Result<Repo> open_or_create(const std::string& dir) {
  namespace fs = std::filesystem;
  git_repository* r = nullptr;
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    for (const char* lock : {"HEAD.lock", "refs/heads/main.lock"})
      if (fs::remove(fs::path(dir) / lock, ec)) ESAN_LOG_WARN("{}: removed a stale {}", dir, lock);
    if (git_repository_open_ext(&r, dir.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH | GIT_REPOSITORY_OPEN_BARE, nullptr) !=
        0)
      return git_failure(dir, "cannot open (is it a git repository?)");
    return Repo(r);
  }
  git_repository_init_options o = GIT_REPOSITORY_INIT_OPTIONS_INIT;
  o.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_MKDIR;
  o.initial_head = "main";
  if (git_repository_init_ext(&r, dir.c_str(), &o) != 0) return git_failure(dir, "cannot create");
  return Repo(r);
}

}  // namespace

struct ConfigHistory::Impl {
  Repo repo;
  std::string email;

  // The commit `rev` names.
  Result<Commit> commit_of(std::string_view rev, const std::string& dir) const {
    if (rev.empty()) return make_error(Errc::kInvalidArgument, "no revision given");
    std::string spec(rev);
    git_object* obj = nullptr;
    int rc = git_revparse_single(&obj, repo.get(), spec.c_str());
    if (rc == GIT_EAMBIGUOUS)
      return make_error(Errc::kInvalidArgument,
                        fmt::format("revision '{}' is ambiguous in the configuration history: give more digits", rev));
    if (rc != 0) return make_error(Errc::kNotFound, fmt::format("no revision '{}' in the configuration history", rev));
    Object o(obj);
    git_object* peeled = nullptr;
    if (git_object_peel(&peeled, o.get(), GIT_OBJECT_COMMIT) != 0)
      return make_error(Errc::kNotFound, fmt::format("'{}' names no commit of the configuration history", rev));
    return Commit(reinterpret_cast<git_commit*>(peeled));
  }

  Result<Tree> tree_of(const git_commit* c, const std::string& dir) const {
    git_tree* t = nullptr;
    if (git_commit_tree(&t, c) != 0) return git_failure(dir, "cannot read a commit's tree");
    return Tree(t);
  }
};

ConfigHistory::ConfigHistory(std::string dir, std::string file) : dir_(std::move(dir)), file_(std::move(file)) {
  git_libgit2_init();
}

ConfigHistory::~ConfigHistory() {
  impl_.reset();
  git_libgit2_shutdown();
}

Result<std::unique_ptr<ConfigHistory>> ConfigHistory::open(const std::string& dir, const std::string& file_name) {
  if (file_name.empty() || file_name.find('/') != std::string::npos)
    return make_error(Errc::kInvalidArgument, fmt::format("'{}' is not a file name", file_name));
  std::unique_ptr<ConfigHistory> h(new ConfigHistory(dir, file_name));
  auto repo = open_or_create(dir);
  if (!repo) return std::unexpected(repo.error());
  h->impl_ = std::make_unique<Impl>();
  h->impl_->repo = std::move(*repo);
  h->impl_->email = "@" + host_name();
  return h;
}

Result<std::string> ConfigHistory::head() const {
  std::lock_guard lk(mu_);
  git_oid id;
  int rc = git_reference_name_to_id(&id, impl_->repo.get(), "HEAD");
  if (rc == GIT_ENOTFOUND || rc == GIT_EUNBORNBRANCH) return std::string();
  if (rc != 0) return git_failure(dir_, "cannot read HEAD");
  return oid_text(id);
}

Result<std::string> ConfigHistory::commit(std::string_view text, std::string_view author, std::string_view message) {
  std::lock_guard lk(mu_);
  git_repository* repo = impl_->repo.get();
  git_oid blob_id, tree_id, commit_id, head_id;
  if (git_blob_create_from_buffer(&blob_id, repo, text.data(), text.size()) != 0)
    return git_failure(dir_, "cannot store the configuration");
  git_treebuilder* b = nullptr;
  if (git_treebuilder_new(&b, repo, nullptr) != 0) return git_failure(dir_, "cannot build a tree");
  TreeBuilder builder(b);
  if (git_treebuilder_insert(nullptr, builder.get(), file_.c_str(), &blob_id, GIT_FILEMODE_BLOB) != 0 ||
      git_treebuilder_write(&tree_id, builder.get()) != 0)
    return git_failure(dir_, "cannot build a tree");

  Commit parent;
  int rc = git_reference_name_to_id(&head_id, repo, "HEAD");
  if (rc == 0) {
    git_commit* p = nullptr;
    if (git_commit_lookup(&p, repo, &head_id) != 0) return git_failure(dir_, "cannot read the head commit");
    parent.reset(p);
    if (git_oid_equal(git_commit_tree_id(p), &tree_id)) return oid_text(head_id);  // the same text
  } else if (rc != GIT_ENOTFOUND && rc != GIT_EUNBORNBRANCH) {
    return git_failure(dir_, "cannot read HEAD");
  }

  git_tree* t = nullptr;
  if (git_tree_lookup(&t, repo, &tree_id) != 0) return git_failure(dir_, "cannot read the new tree");
  Tree tree(t);
  std::string name = clean_author(author);
  git_signature* s = nullptr;
  if (git_signature_now(&s, name.c_str(), (name + impl_->email).c_str()) != 0)
    return git_failure(dir_, "bad author '" + name + "'");
  Signature sig(s);
  std::string msg(message);
  if (msg.empty()) msg = "change";
  msg += "\n";
  const git_commit* parents[] = {parent.get()};
  if (git_commit_create(&commit_id, repo, "HEAD", sig.get(), sig.get(), nullptr, msg.c_str(), tree.get(),
                        parent ? 1 : 0, parents) != 0)
    return git_failure(dir_, "cannot commit");
  if (!push_url_.empty())
    if (auto p = push_locked(); !p) ESAN_LOG_ERROR("{}", p.error().message);
  return oid_text(commit_id);
}

Result<std::vector<Entry>> ConfigHistory::log(size_t limit) const {
  std::lock_guard lk(mu_);
  git_repository* repo = impl_->repo.get();
  std::vector<Entry> out;
  git_oid id;
  int rc = git_reference_name_to_id(&id, repo, "HEAD");
  if (rc == GIT_ENOTFOUND || rc == GIT_EUNBORNBRANCH) return out;
  if (rc != 0) return git_failure(dir_, "cannot read HEAD");
  git_revwalk* w = nullptr;
  if (git_revwalk_new(&w, repo) != 0) return git_failure(dir_, "cannot walk the history");
  Revwalk walk(w);
  git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL);
  if (git_revwalk_push(walk.get(), &id) != 0) return git_failure(dir_, "cannot walk the history");
  while ((limit == 0 || out.size() < limit) && git_revwalk_next(&id, walk.get()) == 0) {
    git_commit* c = nullptr;
    if (git_commit_lookup(&c, repo, &id) != 0) return git_failure(dir_, "cannot read a commit");
    Commit commit(c);
    const git_signature* a = git_commit_author(c);
    const char* summary = git_commit_summary(c);
    out.push_back(Entry{oid_text(id), git_commit_time(c), a && a->name ? a->name : "", summary ? summary : ""});
  }
  return out;
}

Result<std::string> ConfigHistory::resolve(std::string_view rev) const {
  std::lock_guard lk(mu_);
  auto c = impl_->commit_of(rev, dir_);
  if (!c) return std::unexpected(c.error());
  return oid_text(*git_commit_id(c->get()));
}

Result<std::string> ConfigHistory::show(std::string_view rev) const {
  std::lock_guard lk(mu_);
  auto c = impl_->commit_of(rev, dir_);
  if (!c) return std::unexpected(c.error());
  auto tree = impl_->tree_of(c->get(), dir_);
  if (!tree) return std::unexpected(tree.error());
  const git_tree_entry* e = git_tree_entry_byname(tree->get(), file_.c_str());
  if (!e || git_tree_entry_type(e) != GIT_OBJECT_BLOB)
    return make_error(Errc::kNotFound, fmt::format("revision '{}' holds no {}", rev, file_));
  git_blob* b = nullptr;
  if (git_blob_lookup(&b, impl_->repo.get(), git_tree_entry_id(e)) != 0)
    return git_failure(dir_, "cannot read a version");
  Blob blob(b);
  return std::string(static_cast<const char*>(git_blob_rawcontent(b)), git_blob_rawsize(b));
}

Result<std::string> ConfigHistory::diff(std::string_view from, std::string_view to) const {
  std::lock_guard lk(mu_);
  auto a = impl_->commit_of(from, dir_);
  if (!a) return std::unexpected(a.error());
  auto b = impl_->commit_of(to, dir_);
  if (!b) return std::unexpected(b.error());
  auto ta = impl_->tree_of(a->get(), dir_);
  if (!ta) return std::unexpected(ta.error());
  auto tb = impl_->tree_of(b->get(), dir_);
  if (!tb) return std::unexpected(tb.error());
  git_diff* d = nullptr;
  if (git_diff_tree_to_tree(&d, impl_->repo.get(), ta->get(), tb->get(), nullptr) != 0)
    return git_failure(dir_, "cannot compare revisions");
  Diff diff(d);
  git_buf buf = GIT_BUF_INIT;
  if (git_diff_to_buf(&buf, diff.get(), GIT_DIFF_FORMAT_PATCH) != 0) return git_failure(dir_, "cannot print a diff");
  std::string out(buf.ptr ? buf.ptr : "", buf.size);
  git_buf_dispose(&buf);
  return out;
}

void ConfigHistory::push_to(std::string url) {
  std::lock_guard lk(mu_);
  push_url_ = std::move(url);
}

Status ConfigHistory::push() {
  std::lock_guard lk(mu_);
  if (push_url_.empty()) return ok();
  return push_locked();
}

Status ConfigHistory::push_locked() {
  git_repository* repo = impl_->repo.get();
  git_oid id;
  int rc = git_reference_name_to_id(&id, repo, kBranch);
  if (rc == GIT_ENOTFOUND) return ok();  // nothing recorded yet
  if (rc != 0) return git_failure(dir_, "cannot read the branch");
  // A local path: the bare repository is created on first use.
  namespace fs = std::filesystem;
  std::error_code ec;
  if (push_url_.find("://") == std::string::npos && !fs::exists(push_url_, ec)) {
    auto made = open_or_create(push_url_);
    if (!made) return std::unexpected(made.error());
  }
  // An anonymous remote that skips url.*.insteadOf: libgit2 1.5 (Debian 12)
  // leaks PCRE2 match data for every configuration entry it scans for those
  // rewrites, and the history repository is esand's own, never rewritten.
  git_remote_create_options opts = GIT_REMOTE_CREATE_OPTIONS_INIT;
  opts.repository = repo;
  opts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
  git_remote* r = nullptr;
  if (git_remote_create_with_opts(&r, push_url_.c_str(), &opts) != 0)
    return git_failure(dir_, "cannot push to " + push_url_);
  Remote remote(r);
  std::string spec = fmt::format("+{}:{}", kBranch, kBranch);
  char* specs[] = {spec.data()};
  git_strarray refspecs{specs, 1};
  if (git_remote_push(remote.get(), &refspecs, nullptr) != 0) return git_failure(dir_, "cannot push to " + push_url_);
  return ok();
}

}  // namespace esan::history
