/* The store's rows written in C: the database thread's INSERT of a group (store.Store._commit).
 *
 * rows(groups, ingest) copies a group's events out of the Python objects, with the GIL, into one
 * buffer: repository, @timestamp, @ingesttimestamp, the fields JSON (byte for byte what
 * store._fields_json writes: msgspec's compact text, members in order, non-ASCII as UTF-8, the same
 * escapes) and the marker columns hec_case and channel. Anything the Python would treat differently
 * (an object that is no StoredEvent, a str subclass, a lone surrogate, a timestamp outside int64, a
 * field value that is no str) makes it return None: the store then writes that group in Python,
 * which defines the behaviour (and raises its errors).
 *
 * Writer(path, timeout_ms).insert(rows) writes them on a connection of its own to the same file,
 * without the GIL: BEGIN IMMEDIATE, one bind and step per row, COMMIT; on any error ROLLBACK and
 * sqlite3.OperationalError (the store answers 503 code 9, as for its own connection's errors). The
 * Python connection keeps the schema, the reads and the queries. The connection runs
 * synchronous=FULL; WAL is the file's, set by the Python connection.
 *
 * Two copies of SQLite in one process break its POSIX locks (sqlite.org/howtocorrupt.html 2.2.1):
 * this module links libsqlite3 dynamically and refuses to import unless the SQLite it runs is the very
 * copy Python's _sqlite3 runs. tests/server/test_rowwriter.py proves the rows equal to the Python's.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <dlfcn.h>
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

static PyObject *StoredEvent, *OperationalError;
static PyObject *s_hec_case, *s_channel;

static const char INSERT_SQL[] =
    "INSERT INTO events (repository, timestamp, ingest, fields, hec_case, channel) VALUES (?, ?, ?, ?, ?, ?)";

/* --- the rows of one group --- */

typedef struct {
    int64_t timestamp;
    Py_ssize_t repository, repository_len, fields, fields_len;
    Py_ssize_t hec_case, hec_case_len, channel, channel_len; /* offset -1: NULL */
} Row;

typedef struct {
    PyObject_HEAD
    char *text; /* every string of every row, UTF-8 */
    Py_ssize_t len, cap;
    Row *rows;
    Py_ssize_t count, rows_cap;
    int64_t ingest;
} RowsObject;

/* The buffers of the last Rows freed, kept for the next group: one database thread writes group after
 * group, and fresh megabytes each time cost page faults (~0.2 us per event). Only touched with the GIL. */
static char *spare_text;
static Py_ssize_t spare_cap;
static Row *spare_rows;
static Py_ssize_t spare_rows_cap;

static void rows_dealloc(RowsObject *self) {
    if (spare_text == NULL && self->cap <= (16 << 20)) {
        spare_text = self->text;
        spare_cap = self->cap;
    } else {
        PyMem_Free(self->text);
    }
    if (spare_rows == NULL && self->rows_cap <= (1 << 20)) {
        spare_rows = self->rows;
        spare_rows_cap = self->rows_cap;
    } else {
        PyMem_Free(self->rows);
    }
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static Py_ssize_t rows_length(RowsObject *self) { return self->count; }

static PySequenceMethods rows_as_sequence = {.sq_length = (lenfunc)rows_length};

static PyTypeObject RowsType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "reference_server._rowwriter.Rows",
    .tp_basicsize = sizeof(RowsObject),
    .tp_dealloc = (destructor)rows_dealloc,
    .tp_as_sequence = &rows_as_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A group's rows, copied out of the Python objects (rows()); Writer.insert writes them.",
};

static int reserve(RowsObject *r, Py_ssize_t more) {
    if (more > PY_SSIZE_T_MAX - r->len) {
        PyErr_NoMemory();
        return -1;
    }
    if (r->len + more <= r->cap) return 0;
    Py_ssize_t cap = r->cap ? r->cap : 4096;
    while (cap < r->len + more) cap = cap > PY_SSIZE_T_MAX / 2 ? r->len + more : cap * 2;
    char *text = PyMem_Realloc(r->text, (size_t)cap);
    if (text == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    r->text = text;
    r->cap = cap;
    return 0;
}

/* What msgspec writes for a character below 0x80 inside a JSON string: 0 for itself, 'u' for
 * \u00XX (lowercase hex), else the letter after the backslash. */
static char ESCAPE[128];
static const char HEX[] = "0123456789abcdef";

#define PUT_CODE_POINTS(TYPE)                                                                            \
    do {                                                                                                 \
        const TYPE *chars = (const TYPE *)data;                                                          \
        for (Py_ssize_t i = 0; i < n; i++) {                                                             \
            Py_UCS4 c = chars[i];                                                                        \
            if (c < 0x80) {                                                                              \
                char e = json ? ESCAPE[c] : 0;                                                           \
                if (e == 0) {                                                                            \
                    *p++ = (char)c;                                                                      \
                } else if (e == 'u') {                                                                   \
                    memcpy(p, "\\u00", 4);                                                               \
                    p[4] = HEX[c >> 4];                                                                  \
                    p[5] = HEX[c & 15];                                                                  \
                    p += 6;                                                                              \
                } else {                                                                                 \
                    p[0] = '\\';                                                                         \
                    p[1] = e;                                                                            \
                    p += 2;                                                                              \
                }                                                                                        \
            } else if (c < 0x800) {                                                                      \
                p[0] = (char)(0xC0 | (c >> 6));                                                          \
                p[1] = (char)(0x80 | (c & 0x3F));                                                        \
                p += 2;                                                                                  \
            } else if (c < 0x10000) {                                                                    \
                if (c >= 0xD800 && c < 0xE000) return 1; /* a lone surrogate: not UTF-8 */              \
                p[0] = (char)(0xE0 | (c >> 12));                                                         \
                p[1] = (char)(0x80 | ((c >> 6) & 0x3F));                                                 \
                p[2] = (char)(0x80 | (c & 0x3F));                                                        \
                p += 3;                                                                                  \
            } else {                                                                                     \
                p[0] = (char)(0xF0 | (c >> 18));                                                         \
                p[1] = (char)(0x80 | ((c >> 12) & 0x3F));                                                \
                p[2] = (char)(0x80 | ((c >> 6) & 0x3F));                                                 \
                p[3] = (char)(0x80 | (c & 0x3F));                                                        \
                p += 4;                                                                                  \
            }                                                                                            \
        }                                                                                                \
    } while (0)

/* An ASCII string as a JSON string's inside: runs without escapes copied whole. */
static char *put_ascii_json(char *p, const unsigned char *chars, Py_ssize_t n) {
    Py_ssize_t start = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        char e = ESCAPE[chars[i]];
        if (e == 0) continue;
        memcpy(p, chars + start, (size_t)(i - start));
        p += i - start;
        start = i + 1;
        if (e == 'u') {
            memcpy(p, "\\u00", 4);
            p[4] = HEX[chars[i] >> 4];
            p[5] = HEX[chars[i] & 15];
            p += 6;
        } else {
            p[0] = '\\';
            p[1] = e;
            p += 2;
        }
    }
    memcpy(p, chars + start, (size_t)(n - start));
    return p + (n - start);
}

/* Append an exact str as UTF-8, as a JSON string (quoted, escaped) when json is set. 0: done,
 * 1: the Python must do it (not an exact str, or a lone surrogate), -1: error (memory). */
static int put_str(RowsObject *r, PyObject *s, int json) {
    if (!PyUnicode_CheckExact(s)) return 1;
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    if (n > (PY_SSIZE_T_MAX - 2) / 6) return 1;
    if (reserve(r, n * 6 + 2) < 0) return -1; /* \u00XX is the longest a character gets */
    char *p = r->text + r->len;
    const void *data = PyUnicode_DATA(s);
    if (json) *p++ = '"';
    switch (PyUnicode_KIND(s)) {
    case PyUnicode_1BYTE_KIND:
        if (PyUnicode_IS_ASCII(s)) {
            if (json) {
                p = put_ascii_json(p, (const unsigned char *)data, n);
            } else {
                memcpy(p, data, (size_t)n);
                p += n;
            }
        } else {
            PUT_CODE_POINTS(Py_UCS1);
        }
        break;
    case PyUnicode_2BYTE_KIND:
        PUT_CODE_POINTS(Py_UCS2);
        break;
    default:
        PUT_CODE_POINTS(Py_UCS4);
        break;
    }
    if (json) *p++ = '"';
    r->len = p - r->text;
    return 0;
}

/* The fields JSON of one event (store._fields_json), appended. Same returns as put_str. */
static int put_fields(RowsObject *r, PyObject *fields) {
    if (!PyDict_CheckExact(fields)) return 1;
    if (reserve(r, 1) < 0) return -1;
    r->text[r->len++] = '{';
    Py_ssize_t pos = 0;
    PyObject *name, *value;
    int first = 1, done;
    while (PyDict_Next(fields, &pos, &name, &value)) {
        if (reserve(r, 1) < 0) return -1;
        if (!first) r->text[r->len++] = ',';
        first = 0;
        if ((done = put_str(r, name, 1)) != 0) return done;
        if (reserve(r, 1) < 0) return -1;
        r->text[r->len++] = ':';
        if ((done = put_str(r, value, 1)) != 0) return done;
    }
    if (reserve(r, 1) < 0) return -1;
    r->text[r->len++] = '}';
    return 0;
}

/* A marker column: fields.get(name), a str (put_fields checked every value) or NULL. */
static int put_marker(RowsObject *r, PyObject *fields, PyObject *name, Py_ssize_t *offset, Py_ssize_t *len) {
    PyObject *value = PyDict_GetItemWithError(fields, name);
    if (value == NULL) {
        *offset = -1;
        *len = 0;
        return PyErr_Occurred() ? -1 : 0;
    }
    *offset = r->len;
    int done = put_str(r, value, 0);
    *len = r->len - *offset;
    return done;
}

/* One event's row (store.stored_row). Same returns as put_str. */
static int put_row(RowsObject *r, PyObject *event) {
    if (!Py_IS_TYPE(event, (PyTypeObject *)StoredEvent) || PyTuple_GET_SIZE(event) != 3) return 1;
    PyObject *repository = PyTuple_GET_ITEM(event, 0), *timestamp = PyTuple_GET_ITEM(event, 1);
    PyObject *fields = PyTuple_GET_ITEM(event, 2);
    if (!PyLong_CheckExact(timestamp) || !PyDict_CheckExact(fields)) return 1;
    int overflow = 0;
    long long ts = PyLong_AsLongLongAndOverflow(timestamp, &overflow);
    if (overflow) return 1; /* the Python's OverflowError */
    if (ts == -1 && PyErr_Occurred()) return -1;
    if (r->count == r->rows_cap) {
        Py_ssize_t cap = r->rows_cap ? r->rows_cap * 2 : 256;
        Row *rows = PyMem_Realloc(r->rows, (size_t)cap * sizeof(Row));
        if (rows == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        r->rows = rows;
        r->rows_cap = cap;
    }
    Row *row = &r->rows[r->count];
    row->timestamp = ts;
    int done;
    row->repository = r->len;
    if ((done = put_str(r, repository, 0)) != 0) return done;
    row->repository_len = r->len - row->repository;
    row->fields = r->len;
    if ((done = put_fields(r, fields)) != 0) return done;
    row->fields_len = r->len - row->fields;
    if ((done = put_marker(r, fields, s_hec_case, &row->hec_case, &row->hec_case_len)) != 0) return done;
    if ((done = put_marker(r, fields, s_channel, &row->channel, &row->channel_len)) != 0) return done;
    if (row->repository_len > INT_MAX || row->fields_len > INT_MAX || row->hec_case_len > INT_MAX ||
        row->channel_len > INT_MAX)
        return 1; /* sqlite3_bind_text takes an int: the Python's error */
    r->count++;
    return 0;
}

static PyObject *rw_rows(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "rows(groups, ingest) takes 2 arguments");
        return NULL;
    }
    int overflow = 0;
    long long ingest = PyLong_AsLongLongAndOverflow(args[1], &overflow);
    if (ingest == -1 && PyErr_Occurred()) return NULL;
    if (overflow) Py_RETURN_NONE;
    PyObject *groups = PySequence_Fast(args[0], "rows(groups, ingest): groups is a sequence");
    if (groups == NULL) return NULL;
    RowsObject *r = PyObject_New(RowsObject, &RowsType);
    if (r == NULL) {
        Py_DECREF(groups);
        return NULL;
    }
    r->text = spare_text;
    r->cap = spare_cap;
    r->rows = spare_rows;
    r->rows_cap = spare_rows_cap;
    spare_text = NULL;
    spare_rows = NULL;
    spare_cap = spare_rows_cap = 0;
    r->len = r->count = 0;
    r->ingest = ingest;
    int done = 0;
    for (Py_ssize_t g = 0; done == 0 && g < PySequence_Fast_GET_SIZE(groups); g++) {
        PyObject *events = PySequence_Fast(PySequence_Fast_GET_ITEM(groups, g), "a group is a sequence");
        if (events == NULL) {
            done = -1;
            break;
        }
        for (Py_ssize_t i = 0; done == 0 && i < PySequence_Fast_GET_SIZE(events); i++)
            done = put_row(r, PySequence_Fast_GET_ITEM(events, i));
        Py_DECREF(events);
    }
    Py_DECREF(groups);
    if (done != 0) {
        Py_DECREF(r);
        if (done < 0) return NULL;
        Py_RETURN_NONE;
    }
    return (PyObject *)r;
}

static PyObject *rw_fields_json(PyObject *module, PyObject *fields) {
    RowsObject r = {.text = NULL};
    int done = put_fields(&r, fields);
    PyObject *text = done == 0 ? PyUnicode_DecodeUTF8(r.text, r.len, "strict") : NULL;
    PyMem_Free(r.text);
    if (done > 0) Py_RETURN_NONE;
    return text;
}

/* --- the connection --- */

typedef struct {
    PyObject_HEAD
    sqlite3 *db;
    sqlite3_stmt *begin, *insert, *commit, *rollback;
    int busy;
} WriterObject;

/* sqlite3.OperationalError with SQLite's message and code, as the sqlite3 module raises it. */
static void raise_sqlite(int code, const char *message) {
    PyObject *text = PyUnicode_FromString(message);
    if (text == NULL) return;
    PyObject *exc = PyObject_CallOneArg(OperationalError, text);
    Py_DECREF(text);
    if (exc == NULL) return;
    PyObject *number = PyLong_FromLong(code);
    PyObject *name = PyUnicode_FromString(sqlite3_errstr(code));
    if (number == NULL || name == NULL || PyObject_SetAttrString(exc, "sqlite_errorcode", number) < 0 ||
        PyObject_SetAttrString(exc, "sqlite_errorname", name) < 0) {
        Py_XDECREF(number);
        Py_XDECREF(name);
        Py_DECREF(exc);
        return;
    }
    Py_DECREF(number);
    Py_DECREF(name);
    PyErr_SetObject(OperationalError, exc);
    Py_DECREF(exc);
}

static void writer_finish(WriterObject *self) {
    sqlite3_finalize(self->begin);
    sqlite3_finalize(self->insert);
    sqlite3_finalize(self->commit);
    sqlite3_finalize(self->rollback);
    self->begin = self->insert = self->commit = self->rollback = NULL;
    if (self->db != NULL) sqlite3_close_v2(self->db);
    self->db = NULL;
}

static void writer_dealloc(WriterObject *self) {
    writer_finish(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int writer_init(WriterObject *self, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"path", "timeout_ms", NULL};
    PyObject *path; /* bytes: the file name as Python's sqlite3.connect encodes it */
    int timeout_ms;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O&i", keywords, PyUnicode_FSConverter, &path, &timeout_ms))
        return -1;
    writer_finish(self);
    int rc = sqlite3_open_v2(PyBytes_AS_STRING(path), &self->db, SQLITE_OPEN_READWRITE, NULL);
    Py_DECREF(path);
    if (rc == SQLITE_OK) rc = sqlite3_busy_timeout(self->db, timeout_ms);
    if (rc == SQLITE_OK) rc = sqlite3_exec(self->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(self->db, "BEGIN IMMEDIATE", -1, &self->begin, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(self->db, INSERT_SQL, -1, &self->insert, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(self->db, "COMMIT", -1, &self->commit, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(self->db, "ROLLBACK", -1, &self->rollback, NULL);
    if (rc != SQLITE_OK) {
        raise_sqlite(rc, self->db != NULL ? sqlite3_errmsg(self->db) : sqlite3_errstr(rc));
        writer_finish(self);
        return -1;
    }
    return 0;
}

static int step_once(sqlite3_stmt *stmt) {
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* BEGIN IMMEDIATE, the rows, COMMIT, without the GIL; ROLLBACK on any error. */
static int write_rows(WriterObject *self, RowsObject *r, char *message, size_t message_size) {
    sqlite3_stmt *insert = self->insert;
    int rc = step_once(self->begin);
    for (Py_ssize_t i = 0; rc == SQLITE_OK && i < r->count; i++) {
        const Row *row = &r->rows[i];
        const char *text = r->text;
        rc = sqlite3_bind_text(insert, 1, text + row->repository, (int)row->repository_len, SQLITE_STATIC);
        if (rc == SQLITE_OK) rc = sqlite3_bind_int64(insert, 2, row->timestamp);
        if (rc == SQLITE_OK) rc = sqlite3_bind_int64(insert, 3, r->ingest);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_text(insert, 4, text + row->fields, (int)row->fields_len, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = row->hec_case < 0 ? sqlite3_bind_null(insert, 5)
                                   : sqlite3_bind_text(insert, 5, text + row->hec_case, (int)row->hec_case_len,
                                                       SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = row->channel < 0 ? sqlite3_bind_null(insert, 6)
                                  : sqlite3_bind_text(insert, 6, text + row->channel, (int)row->channel_len,
                                                      SQLITE_STATIC);
        if (rc == SQLITE_OK) rc = step_once(insert);
    }
    if (rc == SQLITE_OK) rc = step_once(self->commit);
    sqlite3_clear_bindings(insert); /* no pointer into the rows' buffer outlives this call */
    if (rc != SQLITE_OK) {
        snprintf(message, message_size, "%s", sqlite3_errmsg(self->db));
        if (!sqlite3_get_autocommit(self->db)) step_once(self->rollback);
    }
    return rc;
}

static PyObject *writer_insert(WriterObject *self, PyObject *arg) {
    if (!Py_IS_TYPE(arg, &RowsType)) {
        PyErr_SetString(PyExc_TypeError, "Writer.insert takes the Rows of rows()");
        return NULL;
    }
    if (self->db == NULL || self->busy) {
        PyErr_SetString(PyExc_RuntimeError, self->db == NULL ? "the writer is closed" : "the writer is busy");
        return NULL;
    }
    RowsObject *r = (RowsObject *)arg;
    for (Py_ssize_t i = 0; i < r->count; i++) {
        const Row *row = &r->rows[i];
        if (row->repository_len > INT_MAX || row->fields_len > INT_MAX || row->hec_case_len > INT_MAX ||
            row->channel_len > INT_MAX) {
            raise_sqlite(SQLITE_TOOBIG, "string or blob too big");
            return NULL;
        }
    }
    char message[512];
    int rc;
    self->busy = 1;
    Py_INCREF(r);
    Py_BEGIN_ALLOW_THREADS
    rc = write_rows(self, r, message, sizeof message);
    Py_END_ALLOW_THREADS
    Py_DECREF(r);
    self->busy = 0;
    if (rc != SQLITE_OK) {
        raise_sqlite(rc, message);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *writer_close(WriterObject *self, PyObject *unused) {
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "the writer is busy");
        return NULL;
    }
    writer_finish(self);
    Py_RETURN_NONE;
}

static PyMethodDef writer_methods[] = {
    {"insert", (PyCFunction)writer_insert, METH_O,
     "Write the rows in one transaction (BEGIN IMMEDIATE ... COMMIT), without the GIL; ROLLBACK and "
     "sqlite3.OperationalError on any error."},
    {"close", (PyCFunction)writer_close, METH_NOARGS, "Close the connection."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject WriterType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "reference_server._rowwriter.Writer",
    .tp_basicsize = sizeof(WriterObject),
    .tp_dealloc = (destructor)writer_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Writer(path, timeout_ms): a connection of its own to the store's SQLite file, for inserts.",
    .tp_methods = writer_methods,
    .tp_init = (initproc)writer_init,
    .tp_new = PyType_GenericNew,
};

static PyMethodDef methods[] = {
    {"rows", (PyCFunction)(void (*)(void))rw_rows, METH_FASTCALL,
     "rows(groups, ingest): the rows of every event of the groups (store.stored_row), or None where the "
     "Python must write the group."},
    {"fields_json", rw_fields_json, METH_O, "store._fields_json, compiled; None where the Python must write it."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "reference_server._rowwriter",
    "The store's rows written in C on SQLite's API (see _rowwriter.c).", -1, methods,
};

static PyObject *import_attr(const char *module_name, const char *name) {
    PyObject *mod = PyImport_ImportModule(module_name);
    if (mod == NULL) return NULL;
    PyObject *value = PyObject_GetAttrString(mod, name);
    Py_DECREF(mod);
    return value;
}

/* The SQLite this module runs must be the one Python's _sqlite3 runs: the symbol _sqlite3's shared
 * object resolves is the very function this module calls. */
static int same_sqlite(void) {
    PyObject *file = import_attr("_sqlite3", "__file__");
    if (file == NULL) {
        PyErr_Clear();
        PyErr_SetString(PyExc_ImportError, "Python's _sqlite3 is no shared object: its SQLite cannot be checked");
        return -1;
    }
    PyObject *bytes = PyUnicode_EncodeFSDefault(file);
    Py_DECREF(file);
    if (bytes == NULL) return -1;
    void *handle = dlopen(PyBytes_AS_STRING(bytes), RTLD_LAZY | RTLD_NOLOAD);
    Py_DECREF(bytes);
    void *theirs = handle != NULL ? dlsym(handle, "sqlite3_libversion") : NULL;
    void *ours = (void *)&sqlite3_libversion;
    Dl_info their_info = {0}, our_info = {0};
    if (theirs != NULL) dladdr(theirs, &their_info);
    dladdr(ours, &our_info);
    if (handle != NULL) dlclose(handle);
    if (theirs == NULL || theirs != ours) {
        PyErr_Format(PyExc_ImportError,
                     "its SQLite (%s) is not the copy Python's _sqlite3 runs (%s): two copies of SQLite in one "
                     "process break its locks",
                     our_info.dli_fname ? our_info.dli_fname : "?",
                     their_info.dli_fname ? their_info.dli_fname : "not found");
        return -1;
    }
    return 0;
}

PyMODINIT_FUNC PyInit__rowwriter(void) {
    if (same_sqlite() < 0) return NULL;
    if ((StoredEvent = import_attr("reference_server.translate", "StoredEvent")) == NULL ||
        (OperationalError = import_attr("sqlite3", "OperationalError")) == NULL)
        return NULL;
    if (!PyType_Check(StoredEvent) || !PyType_IsSubtype((PyTypeObject *)StoredEvent, &PyTuple_Type)) {
        PyErr_SetString(PyExc_ImportError, "translate.StoredEvent is no tuple");
        return NULL;
    }
    if ((s_hec_case = PyUnicode_InternFromString("hec_case")) == NULL ||
        (s_channel = PyUnicode_InternFromString("channel")) == NULL)
        return NULL;
    for (int c = 0; c < 0x20; c++) ESCAPE[c] = 'u';
    ESCAPE['\b'] = 'b';
    ESCAPE['\t'] = 't';
    ESCAPE['\n'] = 'n';
    ESCAPE['\f'] = 'f';
    ESCAPE['\r'] = 'r';
    ESCAPE['"'] = '"';
    ESCAPE['\\'] = '\\';
    if (PyType_Ready(&RowsType) < 0 || PyType_Ready(&WriterType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddObjectRef(m, "Rows", (PyObject *)&RowsType) < 0 ||
        PyModule_AddObjectRef(m, "Writer", (PyObject *)&WriterType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
