#include "core/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "core/fs.h"

namespace openbook::core {

Result<MappedFile> MappedFile::open(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        std::string msg = path.string() + ": " + errno_message(err);
        return err == ENOENT ? Status::not_found(msg) : Status::io_error(msg);
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        return Status::io_error(path.string() + ": " + errno_message(err));
    }
    // A directory opens fine for reading but cannot be mapped; say what is wrong instead of
    // reporting mmap's ENODEV.
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return Status::io_error(path.string() + ": not a regular file");
    }
    MappedFile file;
    file.path_ = path;
    if (st.st_size > 0) {
        size_t size = static_cast<size_t>(st.st_size);
        void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            int err = errno;
            ::close(fd);
            return Status::io_error(path.string() + ": mmap: " + errno_message(err));
        }
        file.data_ = static_cast<const unsigned char*>(p);
        file.size_ = size;
    }
    ::close(fd);  // the mapping keeps its own reference to the file
    return file;
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      path_(std::move(other.path_)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
    if (this != &other) {
        release();
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
        path_ = std::move(other.path_);
    }
    return *this;
}

MappedFile::~MappedFile() { release(); }

void MappedFile::release() {
    if (data_ != nullptr) ::munmap(const_cast<unsigned char*>(data_), size_);
    data_ = nullptr;
    size_ = 0;
}

}  // namespace openbook::core
