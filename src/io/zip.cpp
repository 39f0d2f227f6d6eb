// ZIP archives for .npz: local headers, central directory and end record (PKWARE APPNOTE 6.3).
#include "io/zip.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>

#include "io/npy_header.h"
#include "petal/core/error.h"

namespace petal::detail {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr size_t kLocalSize = 30, kCentralSize = 46, kEndSize = 22;
constexpr uint16_t kVersion = 20;                       // 2.0: deflate, no ZIP64
constexpr uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;  // 1980-01-01
constexpr uint16_t kUtf8Flag = 1 << 11;
constexpr uint64_t kLimit32 = 0xFFFFFFFFu;  // also the ZIP64 marker, so never a real value

void put16(std::vector<std::byte>& out, uint32_t v) {
  for (int i = 0; i < 2; ++i) out.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xff));
}
void put32(std::vector<std::byte>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xff));
}
void put_name(std::vector<std::byte>& out, const std::string& name) {
  for (char c : name) out.push_back(static_cast<std::byte>(c));
}

uint16_t flags_for(const std::string& name) {
  const bool ascii = std::all_of(name.begin(), name.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  return ascii ? 0 : kUtf8Flag;
}

std::string hex32(uint32_t v) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "0x%08X", v);
  return buffer;
}

// Bounds-checked little-endian reads from the archive.
struct Reader {
  std::span<const std::byte> bytes;
  std::string what;

  [[noreturn]] void truncated(const std::string& part) const {
    throw IoError(what + ": truncated archive: " + part + " extends past the end of the file (" +
                  std::to_string(bytes.size()) + " bytes).");
  }
  void need(uint64_t offset, uint64_t count, const std::string& part) const {
    if (offset > bytes.size() || count > bytes.size() - offset) truncated(part);
  }
  uint32_t get(size_t offset, int width) const {
    uint32_t v = 0;
    for (int i = 0; i < width; ++i) v |= static_cast<uint32_t>(bytes[offset + i]) << (8 * i);
    return v;
  }
  uint32_t u16(size_t offset) const { return get(offset, 2); }
  uint32_t u32(size_t offset) const { return get(offset, 4); }
};

// Offset of the end-of-central-directory record, searched backwards past any comment.
size_t find_end_record(const Reader& r) {
  const std::span<const std::byte> b = r.bytes;
  if (b.size() >= kEndSize) {
    const size_t lowest = b.size() >= kEndSize + 0xFFFF ? b.size() - kEndSize - 0xFFFF : 0;
    for (size_t at = b.size() - kEndSize + 1; at-- > lowest;) {
      if (r.u32(at) == kEndSig) return at;
    }
  }
  const std::string_view head(reinterpret_cast<const char*>(b.data()),
                              std::min<size_t>(b.size(), 6));
  if (head.starts_with("PK\x03\x04")) {
    throw IoError(r.what + ": truncated archive: no end-of-central-directory record. " +
                  "Hint: the file was probably cut off while being written or copied.");
  }
  std::string message =
      r.what + ": not a zip archive: expected 'PK\\x03\\x04'; received '" + escape_bytes(head, 80) + "'.";
  if (head.starts_with("\x93NUMPY")) message += " Hint: this is a .npy file; use load_npy.";
  throw IoError(message);
}

ZipMember read_member(const Reader& r, size_t at, size_t& next) {
  r.need(at, kCentralSize, "a central directory entry");
  if (r.u32(at) != kCentralSig) {
    throw IoError(r.what + ": corrupt archive: bad central directory signature at offset " +
                  std::to_string(at) + ".");
  }
  const uint32_t flags = r.u16(at + 8), method = r.u16(at + 10), crc = r.u32(at + 16);
  const uint64_t compressed = r.u32(at + 20), size = r.u32(at + 24), offset = r.u32(at + 42);
  const size_t name_len = r.u16(at + 28);
  next = at + kCentralSize + name_len + r.u16(at + 30) + r.u16(at + 32);
  r.need(at + kCentralSize, name_len, "a member name");
  ZipMember member{
      std::string(reinterpret_cast<const char*>(r.bytes.data()) + at + kCentralSize, name_len), {}};
  const std::string where = r.what + ": member '" + member.name + "'";
  if (compressed == kLimit32 || size == kLimit32 || offset == kLimit32) {
    throw IoError(where + " uses ZIP64 (over 4 GiB), which petal does not read.");
  }
  if (flags & 1) throw IoError(where + " is encrypted, which petal does not read.");
  r.need(offset, kLocalSize, "the local header of '" + member.name + "'");
  if (r.u32(offset) != kLocalSig) throw IoError(where + ": bad local header signature.");
  const uint64_t start = offset + kLocalSize + r.u16(offset + 26) + r.u16(offset + 28);
  r.need(start, compressed, "the data of '" + member.name + "'");
  const auto data = r.bytes.subspan(start, compressed);
  if (method == 0) {
    if (compressed != size) throw IoError(where + ": stored member sizes disagree.");
    member.data.assign(data.begin(), data.end());
  } else if (method == 8) {
    // Deflate expands at most ~1032:1; a larger claim is corruption, not a reason to allocate.
    if (size > compressed * 1032 + 64) {
      throw IoError(where + ": declared size " + std::to_string(size) + " is impossible for " +
                    std::to_string(compressed) + " deflated bytes. The archive is corrupt.");
    }
    member.data = inflate_raw(data, size, where);
  } else {
    throw IoError(where + ": unsupported compression method " + std::to_string(method) +
                  "; expected 0 (stored) or 8 (deflate).");
  }
  const uint32_t actual = crc32_of(member.data);
  if (actual != crc) {
    throw IoError(where + ": CRC-32 mismatch: expected " + hex32(crc) + "; computed " +
                  hex32(actual) + ". The archive is corrupt.");
  }
  return member;
}

}  // namespace

uint32_t crc32_of(std::span<const std::byte> data) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  for (size_t done = 0; done < data.size();) {
    const size_t n = std::min<size_t>(data.size() - done, 1u << 30);
    crc = ::crc32(crc, reinterpret_cast<const Bytef*>(data.data() + done), static_cast<uInt>(n));
    done += n;
  }
  return static_cast<uint32_t>(crc);
}

std::vector<std::byte> deflate_raw(std::span<const std::byte> data) {
  z_stream s{};
  if (deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    throw IoError("deflate: zlib initialisation failed.");
  }
  std::vector<std::byte> out(deflateBound(&s, static_cast<uLong>(data.size())));
  s.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&s, Z_FINISH);
  out.resize(s.total_out);
  deflateEnd(&s);
  if (rc != Z_STREAM_END)
    throw IoError("deflate: zlib failed with code " + std::to_string(rc) + ".");
  return out;
}

std::vector<std::byte> inflate_raw(std::span<const std::byte> data, size_t expected_size,
                                   std::string_view what) {
  z_stream s{};
  if (inflateInit2(&s, -MAX_WBITS) != Z_OK)
    throw IoError(std::string(what) + ": zlib init failed.");
  std::vector<std::byte> out(expected_size);
  std::byte spare{};  // lets inflate report data beyond the declared size
  s.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  s.next_out = reinterpret_cast<Bytef*>(expected_size ? out.data() : &spare);
  s.avail_out = static_cast<uInt>(expected_size ? expected_size : 1);
  const int rc = inflate(&s, Z_FINISH);
  const uLong produced = s.total_out;
  inflateEnd(&s);
  if (rc != Z_STREAM_END || produced != expected_size) {
    throw IoError(
        std::string(what) + ": corrupt deflate data: expected " + std::to_string(expected_size) +
        " bytes; inflated " + std::to_string(produced) +
        (rc == Z_STREAM_END ? "" : " before zlib stopped with code " + std::to_string(rc)) + ".");
  }
  return out;
}

void ZipWriter::too_large(const std::string& what) const {
  throw IoError("cannot write '" + file_.path().string() + "': " + what +
                " exceeds the 4 GiB ZIP limit; petal does not write ZIP64. " +
                "Hint: split the arrays over several files.");
}

void ZipWriter::add(const std::string& name, std::span<const std::byte> data, bool compress) {
  if (data.size() >= kLimit32) too_large("member '" + name + "'");
  if (entries_.size() >= 0xFFFF) too_large("the member count");
  std::vector<std::byte> packed;
  if (compress) packed = deflate_raw(data);
  const std::span<const std::byte> body = compress ? std::span<const std::byte>(packed) : data;
  const Entry entry{name,
                    static_cast<uint16_t>(compress ? 8 : 0),
                    crc32_of(data),
                    static_cast<uint32_t>(body.size()),
                    static_cast<uint32_t>(data.size()),
                    static_cast<uint32_t>(file_.bytes_written())};
  if (file_.bytes_written() + kLocalSize + name.size() + body.size() >= kLimit32) {
    too_large("the archive");
  }
  std::vector<std::byte> header;
  put32(header, kLocalSig);
  put16(header, kVersion);
  put16(header, flags_for(name));
  put16(header, entry.method);
  put16(header, 0);
  put16(header, kDosDate);
  put32(header, entry.crc);
  put32(header, entry.compressed_size);
  put32(header, entry.size);
  put16(header, static_cast<uint32_t>(name.size()));
  put16(header, 0);
  put_name(header, name);
  file_.write(header);
  file_.write(body);
  entries_.push_back(entry);
}

void ZipWriter::commit() {
  const uint64_t start = file_.bytes_written();
  std::vector<std::byte> out;
  for (const Entry& e : entries_) {
    put32(out, kCentralSig);
    put16(out, kVersion);
    put16(out, kVersion);
    put16(out, flags_for(e.name));
    put16(out, e.method);
    put16(out, 0);
    put16(out, kDosDate);
    put32(out, e.crc);
    put32(out, e.compressed_size);
    put32(out, e.size);
    put16(out, static_cast<uint32_t>(e.name.size()));
    for (int i = 0; i < 4; ++i) put16(out, 0);  // extra, comment, disk, internal attributes
    put32(out, 0);                              // external attributes
    put32(out, e.offset);
    put_name(out, e.name);
  }
  const auto cd_size = static_cast<uint32_t>(out.size());
  if (start + cd_size >= kLimit32) too_large("the archive");
  put32(out, kEndSig);
  put32(out, 0);  // this disk and the central directory's disk
  put16(out, static_cast<uint32_t>(entries_.size()));
  put16(out, static_cast<uint32_t>(entries_.size()));
  put32(out, cd_size);
  put32(out, static_cast<uint32_t>(start));
  put16(out, 0);  // comment length
  file_.write(out);
  file_.commit();
}

std::vector<ZipMember> read_zip(std::span<const std::byte> archive, std::string_view what) {
  const Reader r{archive, std::string(what)};
  const size_t end = find_end_record(r);
  if (r.u16(end + 4) != 0 || r.u16(end + 6) != 0) {
    throw IoError(r.what + ": multi-disk zip archives are not supported.");
  }
  const uint32_t count = r.u16(end + 10), cd_size = r.u32(end + 12), cd_offset = r.u32(end + 16);
  if (count == 0xFFFF || cd_offset == kLimit32) {
    throw IoError(r.what +
                  ": archive uses ZIP64 (over 4 GiB or 65535 members), which petal does not read.");
  }
  if (uint64_t{cd_offset} + cd_size > end) r.truncated("the central directory");
  std::vector<ZipMember> members;
  size_t next = cd_offset;
  for (uint32_t i = 0; i < count; ++i) {
    const size_t at = next;
    members.push_back(read_member(r, at, next));
  }
  return members;
}

}  // namespace petal::detail
