// AlignedBuffer: a growable byte buffer whose storage is 4096-byte aligned,
// so it can be handed to O_DIRECT I/O. resize() keeps the storage when the
// capacity suffices (buffers are reused across commands); contents past the
// old size are unspecified unless the caller clears them.
// Not thread-safe; owned by one command at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <utility>

namespace esan {

class AlignedBuffer {
 public:
  static constexpr size_t kAlign = 4096;

  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t n) { resize(n); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  AlignedBuffer(AlignedBuffer&& o) noexcept { swap(o); }
  AlignedBuffer& operator=(AlignedBuffer&& o) noexcept {
    AlignedBuffer tmp(std::move(o));
    swap(tmp);
    return *this;
  }
  ~AlignedBuffer() { std::free(data_); }

  // Grows the capacity (rounded up to kAlign) when needed; preserves the first
  // min(old size, n) bytes.
  void resize(size_t n) {
    if (n > cap_) {
      size_t cap = (n + kAlign - 1) & ~(kAlign - 1);
      auto* p = static_cast<uint8_t*>(std::aligned_alloc(kAlign, cap));
      if (size_) std::memcpy(p, data_, size_ < n ? size_ : n);
      std::free(data_);
      data_ = p;
      cap_ = cap;
    }
    size_ = n;
  }
  void clear() { size_ = 0; }
  // Gives up the storage: returns it (the caller free()s it) and leaves the
  // buffer empty (no storage, size 0).
  [[nodiscard]] uint8_t* release() {
    uint8_t* p = data_;
    data_ = nullptr;
    size_ = cap_ = 0;
    return p;
  }
  // Sets the size to n and zero-fills all n bytes.
  void assign_zero(size_t n) {
    resize(n);
    if (n) std::memset(data_, 0, n);
  }

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return cap_; }
  bool empty() const { return size_ == 0; }
  std::span<uint8_t> span() { return {data_, size_}; }
  std::span<const uint8_t> span() const { return {data_, size_}; }

  void swap(AlignedBuffer& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    std::swap(cap_, o.cap_);
  }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t cap_ = 0;
};

}  // namespace esan
