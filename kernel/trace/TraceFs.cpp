#include "trace/TraceFs.h"

#include <asm-generic/fcntl.h>

#include "fs/FileSystemType.h"
#include "fs/PseudoFs.h"
#include "lib/OwnPtr.h"
#include "lib/Spinlock.h"
#include "trace/Trace.h"

namespace kernel {

namespace {

using CreateError = PseudoDirectory::CreateError;
using Style = PseudoFile::Style;
using trace::Event;
using trace::EVENT_COUNT;

template <typename T, typename... Args>
ErrorOr<NonnullRefPtr<PseudoInode>> make(Args&&... args) {
    return NonnullRefPtr<PseudoInode>(TRY(try_make_ref_counted<T>(std::forward<Args>(args)...)));
}

bool opens_for_reading(int flags) { return (flags & O_ACCMODE) == O_RDONLY || (flags & O_ACCMODE) == O_RDWR; }
bool opens_for_writing(int flags) { return (flags & O_ACCMODE) == O_WRONLY || (flags & O_ACCMODE) == O_RDWR; }

// The systems, in the order their first events come in the event list.
size_t system_count() {
    size_t count = 0;
    for (size_t e = 0; e < EVENT_COUNT; ++e) {
        bool seen = false;
        for (size_t f = 0; f < e; ++f)
            seen |= trace::event_system(Event(f)) == trace::event_system(Event(e));
        count += !seen;
    }
    return count;
}
// The first event of system `index` (systems counted as above).
Event first_event_of_system(size_t index) {
    for (size_t e = 0; e < EVENT_COUNT; ++e) {
        bool seen = false;
        for (size_t f = 0; f < e; ++f)
            seen |= trace::event_system(Event(f)) == trace::event_system(Event(e));
        if (!seen && index-- == 0)
            return Event(e);
    }
    VERIFY_NOT_REACHED();
}

// Inode numbers: the root is 1 and its entries follow; the events tree has ranges of its own.
constexpr uint64_t ROOT_INO = 1;
constexpr uint64_t ROOT_ENTRIES_INO = 2;
constexpr uint64_t EVENTS_ENABLE_INO = 16;
uint64_t system_dir_ino(size_t system) { return 32 + 2 * system; }
uint64_t system_enable_ino(size_t system) { return 33 + 2 * system; }
uint64_t event_dir_ino(Event event) { return 64 + 2 * uint64_t(event); }
uint64_t event_enable_ino(Event event) { return 65 + 2 * uint64_t(event); }

// kstrtoul_from_user's buffer and parse, base 10, as the enable files and tracing_on read.
ErrorOr<uint64_t> parse_written_number(IoBuffer buffer, size_t size) {
    char text[1 + 64 + 1 + 1];
    StringView written = TRY(copy_written_text(buffer, size, text, sizeof(text)));
    return parse_unsigned(written, 10, std::numeric_limits<uint64_t>::max());
}

// trace: the buffer. Writes are accepted and dropped, as Linux's are.
class TraceFile final : public PseudoFile {
public:
    TraceFile(FileSystem& fs, uint64_t ino, PseudoInode& parent)
        : PseudoFile(fs, ino, 0640, parent, "trace", Style::Seq) {}
    ErrorOr<void> show(FormatSink& out) override {
        trace::show(out);
        return {};
    }
    ErrorOr<size_t> store(IoBuffer, size_t size, uint64_t&) override { return size; }
    ErrorOr<void> opened(int flags) override {
        if (opens_for_writing(flags) && (flags & O_TRUNC))
            trace::clear();
        if (opens_for_reading(flags))
            trace::reader_opened();
        return {};
    }
    void released(int flags) override {
        if (opens_for_reading(flags))
            trace::reader_closed();
    }
};

// tracing_on (rb_simple_read/write): any number; non-zero turns recording on. Each write moves
// the position by one, as Linux's does.
class TracingOnFile final : public PseudoFile {
public:
    TracingOnFile(FileSystem& fs, uint64_t ino, PseudoInode& parent)
        : PseudoFile(fs, ino, 0640, parent, "tracing_on", Style::Simple) {}
    ErrorOr<void> show(FormatSink& out) override {
        format_to(out, "{}\n", trace::tracing_on() ? 1 : 0);
        return {};
    }
    ErrorOr<size_t> store(IoBuffer buffer, size_t size, uint64_t& offset) override {
        uint64_t value = TRY(parse_written_number(buffer, size));
        trace::set_tracing_on(value != 0);
        ++offset;
        return size;
    }
};

void show_event_name(FormatSink& out, Event event) {
    format_to(out, "{}:{}\n", trace::event_system(event), trace::event_name(event));
}

// available_events: every event.
class AvailableEventsFile final : public PseudoFile {
public:
    AvailableEventsFile(FileSystem& fs, uint64_t ino, PseudoInode& parent)
        : PseudoFile(fs, ino, 0440, parent, "available_events", Style::Seq) {}
    ErrorOr<void> show(FormatSink& out) override {
        for (size_t e = 0; e < EVENT_COUNT; ++e)
            show_event_name(out, Event(e));
        return {};
    }
};

// set_event: the enabled events. A write takes one word (trace_get_user): leading white space
// is skipped, the word ends at white space or NUL, which is taken too, and what follows is
// left for the next write; the word is switched on, or off after a '!'. EINVAL when it names
// no event.
class SetEventFile final : public PseudoFile {
public:
    SetEventFile(FileSystem& fs, uint64_t ino, PseudoInode& parent)
        : PseudoFile(fs, ino, 0640, parent, "set_event", Style::Seq) {}

    ErrorOr<void> show(FormatSink& out) override {
        for (size_t e = 0; e < EVENT_COUNT; ++e)
            if (trace::enabled(Event(e)))
                show_event_name(out, Event(e));
        return {};
    }

    ErrorOr<void> opened(int flags) override {
        if (opens_for_writing(flags) && (flags & O_TRUNC))
            for (size_t e = 0; e < EVENT_COUNT; ++e)
                trace::enable(Event(e), false);
        return {};
    }

    ErrorOr<size_t> store(IoBuffer buffer, size_t size, uint64_t& offset) override {
        constexpr size_t WORD_CAPACITY = 128;  // EVENT_BUF_SIZE + 1, with the NUL
        char word[WORD_CAPACITY];
        size_t length = 0;
        size_t taken = 0;
        bool in_word = false;
        bool ended = false;
        char chunk[64];
        while (taken < size && !ended) {
            size_t n = size - taken < sizeof(chunk) ? size - taken : sizeof(chunk);
            TRY(buffer.copy_from(chunk, taken, n));
            for (size_t i = 0; i < n && !ended; ++i) {
                char c = chunk[i];
                ++taken;
                bool space = c == ' ' || (c >= '\t' && c <= '\r');
                if (!in_word && space)
                    continue;
                if (space || !c) {
                    ended = true;  // the end of the word, or a NUL before any word
                } else if (length + 1 < WORD_CAPACITY) {
                    word[length++] = c;
                    in_word = true;
                } else {
                    return Error::from_errno(EINVAL);
                }
            }
        }
        if (length) {
            bool on = word[0] != '!';
            if (!trace::set_events(StringView(word + !on, length - !on), on))
                return Error::from_errno(EINVAL);
        }
        offset += taken;
        return taken;
    }
};

// The enable files: for one event "0" or "1"; for a system or all events "0", "1", "X" when
// mixed, "?" when there are none (system_enable_read). Writes take 0 or 1 (else EINVAL) and
// move the position by what was written.
class EnableFile final : public PseudoFile {
public:
    // `system` (an index as system_count counts) or `event` picks what it covers; neither: all.
    EnableFile(FileSystem& fs, uint64_t ino, PseudoInode& parent, int system, int event)
        : PseudoFile(fs, ino, 0640, parent, "enable", Style::Simple), m_system(system), m_event(event) {}

    ErrorOr<void> show(FormatSink& out) override {
        unsigned set = 0;  // bit 0: some event off, bit 1: some on
        for (size_t e = 0; e < EVENT_COUNT; ++e)
            if (covers(Event(e)))
                set |= 1u << trace::enabled(Event(e));
        static constexpr const char* STATES[] = {"?\n", "0\n", "1\n", "X\n"};
        format_to(out, "{}", STATES[set]);
        return {};
    }

    ErrorOr<size_t> store(IoBuffer buffer, size_t size, uint64_t& offset) override {
        uint64_t value = TRY(parse_written_number(buffer, size));
        if (value > 1)
            return Error::from_errno(EINVAL);
        for (size_t e = 0; e < EVENT_COUNT; ++e)
            if (covers(Event(e)))
                trace::enable(Event(e), value);
        offset += size;
        return size;
    }

private:
    bool covers(Event event) const {
        if (m_event >= 0)
            return int(event) == m_event;
        return m_system < 0 || trace::event_system(event) == trace::event_system(first_event_of_system(size_t(m_system)));
    }
    int m_system;
    int m_event;
};

constexpr PseudoEntry ENABLE_ONLY[] = {{"enable", S_TYPE_REG | 0640}};

// events/<system>/<event>/
class EventDir final : public PseudoDirectory {
public:
    EventDir(FileSystem& fs, PseudoInode& parent, Event event)
        : PseudoDirectory(fs, event_dir_ino(event), 0750, &parent, trace::event_name(event), CreateError::NoOperation),
          m_event(event) {}
    ErrorOr<NonnullRefPtr<PseudoInode>> lookup_entry(StringView name) override {
        if (find_pseudo_entry(ENABLE_ONLY, name) < 0)
            return Error::from_errno(ENOENT);
        return make<EnableFile>(fs(), event_enable_ino(m_event), *this, -1, int(m_event));
    }
    void list_entries(uint64_t position, DirectoryEmitter& out) override {
        list_pseudo_entries(ENABLE_ONLY, position, 2, event_enable_ino(m_event), out);
    }

private:
    Event m_event;
};

// events/<system>/: its enable file, then its events, at positions 3 + event.
class SystemDir final : public PseudoDirectory {
public:
    SystemDir(FileSystem& fs, PseudoInode& parent, size_t system)
        : PseudoDirectory(fs, system_dir_ino(system), 0750, &parent, system_name(system), CreateError::NoOperation,
                          uint32_t(event_count(system))),
          m_system(system) {}

    ErrorOr<NonnullRefPtr<PseudoInode>> lookup_entry(StringView name) override {
        if (find_pseudo_entry(ENABLE_ONLY, name) == 0)
            return make<EnableFile>(fs(), system_enable_ino(m_system), *this, int(m_system), -1);
        for (size_t e = 0; e < EVENT_COUNT; ++e)
            if (in_system(Event(e)) && trace::event_name(Event(e)) == name)
                return make<EventDir>(fs(), *this, Event(e));
        return Error::from_errno(ENOENT);
    }

    void list_entries(uint64_t position, DirectoryEmitter& out) override {
        if (!list_pseudo_entries(ENABLE_ONLY, position, 2, system_enable_ino(m_system), out))
            return;
        for (size_t e = position > 3 ? size_t(position - 3) : 0; e < EVENT_COUNT; ++e)
            if (in_system(Event(e)) && !out.emit(trace::event_name(Event(e)), event_dir_ino(Event(e)), S_TYPE_DIR, 3 + e + 1))
                return;
    }

private:
    static StringView system_name(size_t system) { return trace::event_system(first_event_of_system(system)); }
    static size_t event_count(size_t system) {
        size_t count = 0;
        for (size_t e = 0; e < EVENT_COUNT; ++e)
            count += trace::event_system(Event(e)) == system_name(system);
        return count;
    }
    bool in_system(Event event) const { return trace::event_system(event) == system_name(m_system); }
    size_t m_system;
};

// events/: the enable file for all, then the systems, at positions 3 + system.
class EventsDir final : public PseudoDirectory {
public:
    EventsDir(FileSystem& fs, uint64_t ino, PseudoInode& parent)
        : PseudoDirectory(fs, ino, 0750, &parent, "events", CreateError::NoOperation, uint32_t(system_count())) {}

    ErrorOr<NonnullRefPtr<PseudoInode>> lookup_entry(StringView name) override {
        if (find_pseudo_entry(ENABLE_ONLY, name) == 0)
            return make<EnableFile>(fs(), EVENTS_ENABLE_INO, *this, -1, -1);
        for (size_t s = 0; s < system_count(); ++s)
            if (trace::event_system(first_event_of_system(s)) == name)
                return make<SystemDir>(fs(), *this, s);
        return Error::from_errno(ENOENT);
    }

    void list_entries(uint64_t position, DirectoryEmitter& out) override {
        if (!list_pseudo_entries(ENABLE_ONLY, position, 2, EVENTS_ENABLE_INO, out))
            return;
        for (size_t s = position > 3 ? size_t(position - 3) : 0; s < system_count(); ++s)
            if (!out.emit(trace::event_system(first_event_of_system(s)), system_dir_ino(s), S_TYPE_DIR, 3 + s + 1))
                return;
    }
};

constexpr PseudoEntry ROOT_ENTRIES[] = {
    {"available_events", S_TYPE_REG | 0440}, {"events", S_TYPE_DIR | 0750}, {"set_event", S_TYPE_REG | 0640},
    {"trace", S_TYPE_REG | 0640},            {"tracing_on", S_TYPE_REG | 0640},
};

class RootDir final : public PseudoDirectory {
public:
    explicit RootDir(FileSystem& fs) : PseudoDirectory(fs, ROOT_INO, 0700, nullptr, "", CreateError::NoOperation, 1) {}

    ErrorOr<NonnullRefPtr<PseudoInode>> lookup_entry(StringView name) override {
        int index = find_pseudo_entry(ROOT_ENTRIES, name);
        uint64_t ino = ROOT_ENTRIES_INO + uint64_t(index);
        switch (index) {
        case 0:
            return make<AvailableEventsFile>(fs(), ino, *this);
        case 1:
            return make<EventsDir>(fs(), ino, *this);
        case 2:
            return make<SetEventFile>(fs(), ino, *this);
        case 3:
            return make<TraceFile>(fs(), ino, *this);
        case 4:
            return make<TracingOnFile>(fs(), ino, *this);
        default:
            return Error::from_errno(ENOENT);
        }
    }

    void list_entries(uint64_t position, DirectoryEmitter& out) override {
        list_pseudo_entries(ROOT_ENTRIES, position, 2, ROOT_ENTRIES_INO, out);
    }
};

// The one instance every mount shows (tracefs's get_tree_single), made at the first mount.
constinit Spinlock g_instance_lock;
constinit Inode* g_root = nullptr;  // holds a reference for good

ErrorOr<NonnullRefPtr<Inode>> trace_fs_mount(StringView, StringView data) {
    // tracefs_parse_options: mode= (octal), uid=, gid=; anything else is ignored.
    int64_t mode = -1, uid = -1, gid = -1;
    while (!data.empty()) {
        size_t comma = data.find(',');
        StringView option(data.data(), comma == StringView::npos ? data.size() : comma);
        data.remove_prefix(comma == StringView::npos ? data.size() : comma + 1);
        size_t equals = option.find('=');
        StringView key(option.data(), equals == StringView::npos ? option.size() : equals);
        StringView value = equals == StringView::npos ? StringView()
                                                      : StringView(option.data() + equals + 1, option.size() - equals - 1);
        if (key == "mode")
            mode = int64_t(TRY(parse_unsigned(value, 8, S_PERM_MASK)));
        else if (key == "uid")
            uid = int64_t(TRY(parse_unsigned(value, 10, std::numeric_limits<uint32_t>::max())));
        else if (key == "gid")
            gid = int64_t(TRY(parse_unsigned(value, 10, std::numeric_limits<uint32_t>::max())));
    }
    RefPtr<Inode> root;
    {
        SpinlockGuard guard(g_instance_lock);
        root = g_root;
    }
    if (!root) {
        auto fs = TRY(PseudoFs::create("tracefs"));
        RefPtr<Inode> made = TRY(try_make_ref_counted<RootDir>(*fs));
        SpinlockGuard guard(g_instance_lock);
        if (!g_root) {
            made->ref();
            g_root = made.ptr();
        }
        root = g_root;
    }
    if (mode >= 0)
        root->set_permissions(uint32_t(mode));
    if (uid >= 0 || gid >= 0) {
        Kstat now = root->stat();
        root->set_owner(uid >= 0 ? uint32_t(uid) : now.uid, gid >= 0 ? uint32_t(gid) : now.gid);
    }
    return NonnullRefPtr<Inode>(*root);
}

constinit FileSystemType g_trace_type{"tracefs", trace_fs_mount};

}  // namespace

void trace_fs_init() { register_filesystem(g_trace_type); }

}  // namespace kernel
