// The recycling pool behind oneDNN's heap buffers, and the redirection of
// libdnnl's posix_memalign/free relocations to it (x86-64 ELF, glibc).
#include "runtime/dnnl_allocator.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) && defined(__linux__)
#include <elf.h>
#include <link.h>
#include <sys/mman.h>
#include <unistd.h>
#define PETAL_DNNL_POOL 1
#endif

namespace petal::detail {

namespace {

constexpr size_t kMinBlock = 4096;   // smaller requests go to the system allocator
constexpr size_t kAlign = 4096;      // pool blocks are page aligned: any alignment oneDNN asks for
constexpr size_t kMaxFreeBytes = size_t{1} << 30;  // beyond this, released blocks go back to the system

// Blocks once allocated are kept and handed out again; a request takes the
// smallest free block that fits without wasting more than its own size.
// Why per thread: a block is reused only by the thread that first allocated it.
// Each of oneDNN's threads runs the same partition of the work every step, so
// its sequence of requests repeats exactly and its blocks cover it after one
// step. A shared free list would instead need as many blocks as the threads'
// requests ever happened to overlap, which depends on scheduling: a loaded
// machine found a new overlap (and allocated) many steps after warm-up.
class BlockPool {
 public:
  void* take(size_t n) {
    const std::thread::id me = std::this_thread::get_id();
    std::lock_guard<std::mutex> lock(mutex_);
    Block* best = nullptr;
    for (Block& b : blocks_) {
      if (!b.used && b.owner == me && b.size >= n && b.size <= 2 * n && (!best || b.size < best->size)) best = &b;
    }
    if (best) {
      best->used = true;
      free_bytes_ -= best->size;
      ++stats_.reused;
      return best->ptr;
    }
    const size_t size = (n + kAlign - 1) / kAlign * kAlign;
    void* p = nullptr;
    if (::posix_memalign(&p, kAlign, size) != 0) return nullptr;
    blocks_.push_back({p, size, true, me});
    ++stats_.fresh;
    return p;
  }

  // False when p is not one of the pool's blocks.
  bool give_back(void* p) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = 0; i < blocks_.size(); ++i) {
      if (blocks_[i].ptr != p) continue;
      if (free_bytes_ + blocks_[i].size > kMaxFreeBytes) {
        ::free(p);
        blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        blocks_[i].used = false;
        free_bytes_ += blocks_[i].size;
      }
      return true;
    }
    return false;
  }

  DnnlPoolStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    DnnlPoolStats s = stats_;
    s.blocks = blocks_.size();
    for (const Block& b : blocks_) s.bytes += b.size;
    return s;
  }

 private:
  struct Block {
    void* ptr;
    size_t size;
    bool used;
    std::thread::id owner;  // the thread that allocated it, the only one to reuse it
  };
  std::mutex mutex_;
  std::vector<Block> blocks_;
  size_t free_bytes_ = 0;
  DnnlPoolStats stats_;
};

// Never destroyed: oneDNN frees its caches during exit, after static destructors.
BlockPool& pool() {
  static BlockPool* p = new BlockPool;
  return *p;
}

#ifdef PETAL_DNNL_POOL

int pooled_posix_memalign(void** out, size_t alignment, size_t n) {
  if (n < kMinBlock || alignment > kAlign) return ::posix_memalign(out, alignment, n);
  void* p = pool().take(n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}

void pooled_free(void* p) {
  if (p != nullptr && !pool().give_back(p)) ::free(p);
}

struct Patch {
  int patched = 0;  // relocations rewritten
};

// Rewrites one GOT slot, restoring read-only protection inside RELRO.
void write_slot(uintptr_t addr, void* value, uintptr_t relro_begin, uintptr_t relro_end) {
  const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  auto* start = reinterpret_cast<void*>(addr & ~(page - 1));
  if (mprotect(start, page, PROT_READ | PROT_WRITE) != 0) return;
  *reinterpret_cast<void**>(addr) = value;
  if (addr >= relro_begin && addr < relro_end) mprotect(start, page, PROT_READ);
}

int patch_object(dl_phdr_info* info, size_t, void* data) {
  if (info->dlpi_name == nullptr || std::strstr(info->dlpi_name, "libdnnl.so") == nullptr) return 0;
  const uintptr_t base = info->dlpi_addr;
  const ElfW(Dyn)* dyn = nullptr;
  uintptr_t relro_begin = 0, relro_end = 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_DYNAMIC) dyn = reinterpret_cast<const ElfW(Dyn)*>(base + ph.p_vaddr);
    if (ph.p_type == PT_GNU_RELRO) relro_begin = base + ph.p_vaddr, relro_end = relro_begin + ph.p_memsz;
  }
  if (dyn == nullptr) return 0;
  // glibc relocates these addresses in place; an unrelocated one is an offset.
  auto addr = [base](ElfW(Addr) v) { return v < base ? v + base : v; };
  const ElfW(Sym)* symtab = nullptr;
  const char* strtab = nullptr;
  const ElfW(Rela)* tables[2] = {nullptr, nullptr};
  size_t sizes[2] = {0, 0};
  for (const ElfW(Dyn)* d = dyn; d->d_tag != DT_NULL; ++d) {
    switch (d->d_tag) {
      case DT_SYMTAB: symtab = reinterpret_cast<const ElfW(Sym)*>(addr(d->d_un.d_ptr)); break;
      case DT_STRTAB: strtab = reinterpret_cast<const char*>(addr(d->d_un.d_ptr)); break;
      case DT_JMPREL: tables[0] = reinterpret_cast<const ElfW(Rela)*>(addr(d->d_un.d_ptr)); break;
      case DT_PLTRELSZ: sizes[0] = d->d_un.d_val; break;
      case DT_RELA: tables[1] = reinterpret_cast<const ElfW(Rela)*>(addr(d->d_un.d_ptr)); break;
      case DT_RELASZ: sizes[1] = d->d_un.d_val; break;
      default: break;
    }
  }
  if (symtab == nullptr || strtab == nullptr) return 0;
  auto* patch = static_cast<Patch*>(data);
  for (int t = 0; t < 2; ++t) {
    for (size_t k = 0; tables[t] != nullptr && k < sizes[t] / sizeof(ElfW(Rela)); ++k) {
      const ElfW(Rela)& r = tables[t][k];
      const auto type = ELF64_R_TYPE(r.r_info);
      if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) continue;
      const char* name = strtab + symtab[ELF64_R_SYM(r.r_info)].st_name;
      void* value = nullptr;
      if (std::strcmp(name, "posix_memalign") == 0) value = reinterpret_cast<void*>(&pooled_posix_memalign);
      if (std::strcmp(name, "free") == 0) value = reinterpret_cast<void*>(&pooled_free);
      if (value == nullptr) continue;
      write_slot(base + r.r_offset, value, relro_begin, relro_end);
      ++patch->patched;
    }
  }
  return 1;  // libdnnl found: stop
}

bool install() {
  const char* mode = std::getenv("PETAL_DNNL_ALLOCATOR");
  if (mode != nullptr && std::strcmp(mode, "system") == 0) return false;
  pool();
  Patch patch;
  dl_iterate_phdr(patch_object, &patch);
  return patch.patched >= 2;
}

#else

bool install() { return false; }

#endif

}  // namespace

bool install_dnnl_allocator() {
  static const bool installed = install();
  return installed;
}

DnnlPoolStats dnnl_pool_stats() { return pool().stats(); }

}  // namespace petal::detail
