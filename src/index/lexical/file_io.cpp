#include "index/lexical/file_io.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>

#include "core/fs.h"

namespace openbook::index {

Result<std::shared_ptr<const MappedFile>> MappedFile::open(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        std::string msg = path.string() + ": " + core::errno_message(err);
        return err == ENOENT ? Status::not_found(msg) : Status::io_error(msg);
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        return Status::io_error(path.string() + ": " + core::errno_message(err));
    }
    std::shared_ptr<MappedFile> file(new MappedFile());
    file->path_ = path;
    file->size_ = static_cast<size_t>(st.st_size);
    if (file->size_ > 0) {
        void* p = ::mmap(nullptr, file->size_, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            int err = errno;
            ::close(fd);
            return Status::io_error(path.string() + ": mmap: " + core::errno_message(err));
        }
        file->data_ = static_cast<const uint8_t*>(p);
    }
    ::close(fd);
    return std::shared_ptr<const MappedFile>(std::move(file));
}

MappedFile::~MappedFile() {
    if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
}

namespace {
constexpr size_t kWriteBuffer = 1 << 20;
}

Result<std::unique_ptr<HashingFileWriter>> HashingFileWriter::create(
    const std::filesystem::path& path, uint64_t hash_from) {
    std::unique_ptr<HashingFileWriter> w(new HashingFileWriter());
    w->path_ = path;
    w->tmp_path_ = path;
    w->tmp_path_ += ".tmp";
    w->hash_from_ = hash_from;
    w->fd_ = ::open(w->tmp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd_ < 0) {
        return Status::io_error(w->tmp_path_.string() + ": " + core::errno_message(errno));
    }
    w->state_ = XXH3_createState();
    if (w->state_ == nullptr) return Status::internal("XXH3_createState failed");
    XXH3_64bits_reset(w->state_);
    w->buffer_.reserve(kWriteBuffer);
    return w;
}

HashingFileWriter::~HashingFileWriter() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_ && !tmp_path_.empty()) ::unlink(tmp_path_.c_str());
    if (state_ != nullptr) XXH3_freeState(state_);
}

Status HashingFileWriter::flush_buffer() {
    size_t off = 0;
    while (off < buffer_.size()) {
        ssize_t n = ::write(fd_, buffer_.data() + off, buffer_.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            return Status::io_error(tmp_path_.string() + ": write: " + core::errno_message(errno));
        }
        off += static_cast<size_t>(n);
    }
    buffer_.clear();
    return {};
}

Status HashingFileWriter::write(std::string_view bytes) {
    // Hash the part at or after hash_from_.
    uint64_t end = position_ + bytes.size();
    if (end > hash_from_) {
        size_t skip = position_ >= hash_from_ ? 0 : static_cast<size_t>(hash_from_ - position_);
        XXH3_64bits_update(state_, bytes.data() + skip, bytes.size() - skip);
    }
    position_ = end;
    if (buffer_.size() + bytes.size() > kWriteBuffer) OPENBOOK_RETURN_IF_ERROR(flush_buffer());
    if (bytes.size() >= kWriteBuffer) {
        buffer_.assign(bytes);
        return flush_buffer();
    }
    buffer_.append(bytes);
    return {};
}

Status HashingFileWriter::write_zeros(size_t n) {
    static const char kZeros[64] = {};
    while (n > 0) {
        size_t c = n < sizeof kZeros ? n : sizeof kZeros;
        OPENBOOK_RETURN_IF_ERROR(write(std::string_view(kZeros, c)));
        n -= c;
    }
    return {};
}

Status HashingFileWriter::align(size_t alignment) {
    size_t rem = static_cast<size_t>(position_ % alignment);
    return rem == 0 ? Status() : write_zeros(alignment - rem);
}

uint64_t HashingFileWriter::hash() const { return XXH3_64bits_digest(state_); }

Status HashingFileWriter::patch(uint64_t offset, std::string_view bytes) {
    OPENBOOK_RETURN_IF_ERROR(flush_buffer());
    size_t off = 0;
    while (off < bytes.size()) {
        ssize_t n = ::pwrite(fd_, bytes.data() + off, bytes.size() - off,
                             static_cast<off_t>(offset + off));
        if (n < 0) {
            if (errno == EINTR) continue;
            return Status::io_error(tmp_path_.string() + ": pwrite: " + core::errno_message(errno));
        }
        off += static_cast<size_t>(n);
    }
    return {};
}

Status HashingFileWriter::commit() {
    OPENBOOK_RETURN_IF_ERROR(flush_buffer());
    if (::fsync(fd_) != 0) {
        return Status::io_error(tmp_path_.string() + ": fsync: " + core::errno_message(errno));
    }
    int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) {
        return Status::io_error(tmp_path_.string() + ": close: " + core::errno_message(errno));
    }
    if (::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
        return Status::io_error("rename to " + path_.string() + ": " + core::errno_message(errno));
    }
    committed_ = true;
    return {};
}

Status fsync_directory(const std::filesystem::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Status::io_error(dir.string() + ": " + core::errno_message(errno));
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return Status::io_error(dir.string() + ": fsync: " + core::errno_message(err));
    return {};
}

uint64_t checksum64(const void* data, size_t size) { return XXH3_64bits(data, size); }

}  // namespace openbook::index
