/* The compiled per-event path: translate.py and kv.py (and the integer walk of envelopes.py) written
 * again on the CPython API.
 *
 * translate.py and kv.py define the behaviour; every function here names the Python function it
 * follows and does the same steps in the same order, so stored fields come out in the same order
 * with the same types. tests/server/test_fastpath.py proves the two paths equal (stored rows byte
 * for byte, errors identical) on generated envelopes and on every request body of the corpus.
 * Rare or costly-to-copy steps call the Python definitions themselves: seconds_to_ms for numbers
 * that are not plain decimals, dumps_compact for values nested deeper than 200 levels, the chosen
 * parsers. Constants (the dropped field
 * names, the TIME-6 messages, the fields the store sets) are read from translate.py at import.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

/* Objects taken from the Python modules at import. */
static PyObject *StoredEvent, *HecError, *JsonNumber, *dumps_compact, *seconds_to_ms_py;
static PyObject *EVENT_DROPPED, *RAW_DROPPED, *FUTURE_MSG, *PAST_MSG;
static Py_ssize_t STORE_SET;
/* Interned strings. */
static PyObject *s_event, *s_fields, *s_host, *s_source, *s_sourcetype, *s_index, *s_time, *s_timezone;
static PyObject *s_rawstring, *s_at_timezone, *s_repo, *s_type, *s_at_source, *s_at_host, *s_error;
static PyObject *s_error_msg, *s_channel, *s_true, *s_false, *s_null, *s_none, *s_Z, *s_empty, *s_dots;
static PyObject *s_semicolon, *s_get, *s_parse;

/* The request context: IngestContext's attributes, read once per call. */
typedef struct {
    int splunk;
    PyObject *repository;   /* str */
    PyObject *repositories; /* frozenset */
    int change_repo;
    PyObject *token_parser; /* str or None */
    PyObject *parsers;      /* ParserRegistry */
    PyObject *query;        /* dict */
    PyObject *channel;      /* str or None */
    PyObject *now_ms;       /* int */
    int64_t now;
    int64_t latest_ms; /* now_ms + max_future_seconds * 1000, clamped to int64 */
    Py_ssize_t max_event_bytes;
    Py_ssize_t max_fields;
    PyObject *owned[8];
} Ctx;

static void ctx_clear(Ctx *c) {
    for (int i = 0; i < 8; i++) Py_CLEAR(c->owned[i]);
}

static PyObject *ctx_attr(Ctx *c, PyObject *ctx, const char *name, int slot) {
    PyObject *value = PyObject_GetAttrString(ctx, name);
    c->owned[slot] = value;
    return value;
}

static int64_t clamp_int64(PyObject *number) {
    int overflow = 0;
    long long value = PyLong_AsLongLongAndOverflow(number, &overflow);
    if (overflow > 0) return INT64_MAX;
    if (overflow < 0) return INT64_MIN;
    return value;
}

static int ctx_read(Ctx *c, PyObject *ctx) {
    memset(c, 0, sizeof(*c));
    PyObject *profile = ctx_attr(c, ctx, "profile", 0);
    if (profile == NULL) return -1;
    c->splunk = PyUnicode_Check(profile) && PyUnicode_CompareWithASCIIString(profile, "splunk") == 0;
    if ((c->repository = ctx_attr(c, ctx, "repository", 1)) == NULL) return -1;
    if ((c->repositories = ctx_attr(c, ctx, "repositories", 2)) == NULL) return -1;
    if ((c->token_parser = ctx_attr(c, ctx, "token_parser", 3)) == NULL) return -1;
    if ((c->parsers = ctx_attr(c, ctx, "parsers", 4)) == NULL) return -1;
    PyObject *query = PyObject_GetAttrString(ctx, "query");
    if (query == NULL) return -1;
    c->query = PyDict_CheckExact(query) ? (Py_INCREF(query), query) : PyObject_CallOneArg((PyObject *)&PyDict_Type, query);
    Py_DECREF(query);
    c->owned[5] = c->query;
    if (c->query == NULL) return -1;
    if ((c->channel = ctx_attr(c, ctx, "channel", 6)) == NULL) return -1;
    if ((c->now_ms = ctx_attr(c, ctx, "now_ms", 7)) == NULL) return -1;
    PyObject *change = PyObject_GetAttrString(ctx, "change_repo");
    if (change == NULL) return -1;
    c->change_repo = PyObject_IsTrue(change);
    Py_DECREF(change);
    if (c->change_repo < 0) return -1;
    c->now = clamp_int64(c->now_ms);
    if (PyErr_Occurred()) return -1;
    /* now_ms + max_future_seconds * 1000 in Python integers, then clamped: ms values fit int64 */
    PyObject *future = PyObject_GetAttrString(ctx, "max_future_seconds");
    if (future == NULL) return -1;
    PyObject *thousand = PyLong_FromLong(1000);
    PyObject *scaled = thousand ? PyNumber_Multiply(future, thousand) : NULL;
    PyObject *latest = scaled ? PyNumber_Add(c->now_ms, scaled) : NULL;
    Py_DECREF(future);
    Py_XDECREF(thousand);
    Py_XDECREF(scaled);
    if (latest == NULL) return -1;
    c->latest_ms = clamp_int64(latest);
    Py_DECREF(latest);
    if (PyErr_Occurred()) return -1;
    PyObject *size = PyObject_GetAttrString(ctx, "max_event_bytes");
    if (size == NULL) return -1;
    c->max_event_bytes = PyLong_AsSsize_t(size);
    Py_DECREF(size);
    size = PyObject_GetAttrString(ctx, "max_fields");
    if (size == NULL) return -1;
    c->max_fields = PyLong_AsSsize_t(size);
    Py_DECREF(size);
    return PyErr_Occurred() ? -1 : 0;
}

static PyObject *hec_error(int status, int code, const char *text, Py_ssize_t number) {
    PyObject *error = PyObject_CallFunction(HecError, "iisn", status, code, text, number);
    if (error != NULL) {
        PyErr_SetObject(HecError, error);
        Py_DECREF(error);
    }
    return NULL;
}

/* ---- kv.py: parse_kv ---- */

static inline int is_key_char(Py_UCS4 ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
           ch == '.' || ch == '-';
}

static inline int ends_unquoted(Py_UCS4 ch) {
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v' || ch == ',';
}

/* The body of a quoted value without its quotes, \\ and \<quote> unescaped (kv._QUOTED). */
static PyObject *unescape(PyObject *text, int kind, const void *data, Py_ssize_t start, Py_ssize_t end,
                          Py_UCS4 quote) {
    Py_ssize_t j;
    for (j = start; j < end; j++)
        if (PyUnicode_READ(kind, data, j) == '\\') break;
    if (j == end) return PyUnicode_Substring(text, start, end);
    Py_UCS4 *out = PyMem_Malloc(sizeof(Py_UCS4) * (end - start));
    if (out == NULL) return PyErr_NoMemory();
    Py_ssize_t n = 0;
    for (j = start; j < end; j++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, j);
        if (ch == '\\' && j + 1 < end) {
            Py_UCS4 next = PyUnicode_READ(kind, data, j + 1);
            if (next == '\\' || next == quote) {
                out[n++] = next;
                j++;
                continue;
            }
        }
        out[n++] = ch;
    }
    PyObject *value = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, n);
    PyMem_Free(out);
    return value;
}

/* kv.parse_kv, by the pair-by-pair scan of kv._scan (the finditer pass gives the same pairs); inlined
 * once per character width so that every character read is a plain array access. */
static inline __attribute__((always_inline)) PyObject *parse_kv_kind(PyObject *text, int kind) {
    PyObject *pairs = PyDict_New();
    if (pairs == NULL) return NULL;
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int open_double = 0, open_single = 0; /* quote kinds known to be unterminated (KV-5) */
    Py_ssize_t pos = 0;
    while (pos < n) {
        /* _KEY.search(text, pos): a maximal run of key characters, [ \t]*, "=" */
        Py_ssize_t p = pos, key_end = -1, start = 0;
        while (p < n) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, p);
            if (!is_key_char(ch) || (p > 0 && is_key_char(PyUnicode_READ(kind, data, p - 1)))) {
                p++;
                continue;
            }
            Py_ssize_t q = p + 1;
            while (q < n && is_key_char(PyUnicode_READ(kind, data, q))) q++;
            Py_ssize_t r = q;
            while (r < n && (PyUnicode_READ(kind, data, r) == ' ' || PyUnicode_READ(kind, data, r) == '\t')) r++;
            if (r < n && PyUnicode_READ(kind, data, r) == '=') {
                key_end = q;
                start = r + 1;
                while (start < n &&
                       (PyUnicode_READ(kind, data, start) == ' ' || PyUnicode_READ(kind, data, start) == '\t'))
                    start++;
                break;
            }
            p = q;
        }
        if (key_end < 0) break;
        PyObject *value;
        Py_UCS4 quote = start < n ? PyUnicode_READ(kind, data, start) : 0;
        if (quote == '"' || quote == '\'') {
            int *open = quote == '"' ? &open_double : &open_single;
            Py_ssize_t i = start + 1, close = -1;
            if (!*open) {
                while (i < n) {
                    Py_UCS4 ch = PyUnicode_READ(kind, data, i);
                    if (ch == quote) {
                        close = i;
                        break;
                    }
                    if (ch == '\\') {
                        if (i + 1 >= n) break;
                        i += 2;
                    } else {
                        i++;
                    }
                }
            }
            if (close < 0) {
                *open = 1;
                pos = start + 1; /* KV-5: drop the pair, resume just after the opening quote */
                continue;
            }
            value = unescape(text, kind, data, start + 1, close, quote);
            pos = close + 1;
        } else {
            Py_ssize_t stop = start;
            while (stop < n && !ends_unquoted(PyUnicode_READ(kind, data, stop))) stop++;
            value = PyUnicode_Substring(text, start, stop);
            pos = stop;
        }
        PyObject *key = value ? PyUnicode_Substring(text, p, key_end) : NULL;
        if (key == NULL || PyDict_SetItem(pairs, key, value) < 0) {
            Py_XDECREF(key);
            Py_XDECREF(value);
            Py_DECREF(pairs);
            return NULL;
        }
        Py_DECREF(key);
        Py_DECREF(value);
    }
    return pairs;
}

static PyObject *parse_kv_text(PyObject *text) {
    switch (PyUnicode_KIND(text)) {
        case PyUnicode_1BYTE_KIND: return parse_kv_kind(text, PyUnicode_1BYTE_KIND);
        case PyUnicode_2BYTE_KIND: return parse_kv_kind(text, PyUnicode_2BYTE_KIND);
        default: return parse_kv_kind(text, PyUnicode_4BYTE_KIND);
    }
}

static PyObject *fp_parse_kv(PyObject *self, PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "parse_kv expects a str");
        return NULL;
    }
    return parse_kv_text(text);
}

/* ---- jsontext.py: scalar_text, flatten ---- */

static PyObject *scalar_text(PyObject *value) {
    if (value == Py_None) return Py_NewRef(s_null);
    if (value == Py_True) return Py_NewRef(s_true);
    if (value == Py_False) return Py_NewRef(s_false);
    return PyObject_Str(value);
}

/* prefix + "." + key (dot != 0) or prefix + "[index]", as one new str. */
static PyObject *join_segment(PyObject *prefix, PyObject *key, Py_ssize_t index) {
    if (key != NULL) {
        PyObject *dotted = PyUnicode_New(PyUnicode_GET_LENGTH(prefix) + 1 + PyUnicode_GET_LENGTH(key),
                                         Py_MAX(PyUnicode_MAX_CHAR_VALUE(prefix), PyUnicode_MAX_CHAR_VALUE(key)));
        if (dotted == NULL) return NULL;
        Py_ssize_t at = PyUnicode_GET_LENGTH(prefix);
        if (PyUnicode_CopyCharacters(dotted, 0, prefix, 0, at) < 0 ||
            PyUnicode_WriteChar(dotted, at, '.') < 0 ||
            PyUnicode_CopyCharacters(dotted, at + 1, key, 0, PyUnicode_GET_LENGTH(key)) < 0) {
            Py_DECREF(dotted);
            return NULL;
        }
        return dotted;
    }
    return PyUnicode_FromFormat("%U[%zd]", prefix, index);
}

typedef struct {
    PyObject *container; /* borrowed: alive while the top-level value is */
    Py_ssize_t pos;      /* PyDict_Next position or list index */
    PyObject *prefix;    /* owned: the joined name of this container */
} Frame;

/* jsontext._flatten_nested: the budget left, < 0 if it ran out; -2**62 on a Python error. */
#define FLATTEN_FAILED (-((int64_t)1 << 62))
static int64_t flatten_nested(PyObject *name, PyObject *value, int64_t budget, PyObject *fields) {
    Py_ssize_t size = 16, depth = 1;
    Frame *stack = PyMem_Malloc(sizeof(Frame) * size);
    if (stack == NULL) {
        PyErr_NoMemory();
        return FLATTEN_FAILED;
    }
    stack[0] = (Frame){value, 0, Py_NewRef(name)};
    while (depth > 0) {
        Frame *top = &stack[depth - 1];
        PyObject *key = NULL, *item;
        Py_ssize_t index = -1;
        if (PyDict_CheckExact(top->container)) {
            if (!PyDict_Next(top->container, &top->pos, &key, &item)) {
                Py_DECREF(top->prefix);
                depth--;
                continue;
            }
        } else {
            if (top->pos >= PyList_GET_SIZE(top->container)) {
                Py_DECREF(top->prefix);
                depth--;
                continue;
            }
            index = top->pos++;
            item = PyList_GET_ITEM(top->container, index);
        }
        PyObject *field = join_segment(top->prefix, key, index);
        if (field == NULL) goto failed;
        if (PyDict_CheckExact(item) || PyList_CheckExact(item)) {
            if ((PyDict_CheckExact(item) ? PyDict_GET_SIZE(item) : PyList_GET_SIZE(item)) == 0) {
                Py_DECREF(field);
                continue;
            }
            if (depth == size) {
                Frame *grown = PyMem_Realloc(stack, sizeof(Frame) * size * 2);
                if (grown == NULL) {
                    Py_DECREF(field);
                    PyErr_NoMemory();
                    goto failed;
                }
                stack = grown;
                size *= 2;
            }
            stack[depth++] = (Frame){item, 0, field};
            continue;
        }
        budget -= PyUnicode_GET_LENGTH(field);
        if (budget < 0) {
            Py_DECREF(field);
            break;
        }
        PyObject *text = PyUnicode_CheckExact(item) ? Py_NewRef(item) : scalar_text(item);
        int failed = text == NULL || PyDict_SetItem(fields, field, text) < 0;
        Py_DECREF(field);
        Py_XDECREF(text);
        if (failed) goto failed;
    }
    while (depth > 0) Py_DECREF(stack[--depth].prefix);
    PyMem_Free(stack);
    return budget;
failed:
    while (depth > 0) Py_DECREF(stack[--depth].prefix);
    PyMem_Free(stack);
    return FLATTEN_FAILED;
}

/* jsontext.flatten: fields, and *error set to a new message when they were cut short. */
static PyObject *flatten(PyObject *value, Py_ssize_t text_size, PyObject **error) {
    *error = NULL;
    PyObject *fields = PyDict_New();
    if (fields == NULL) return NULL;
    int is_dict = PyDict_CheckExact(value);
    if (!is_dict && !PyList_CheckExact(value)) return fields;
    int64_t budget = 4 * (int64_t)text_size + 1024;
    Py_ssize_t pos = 0, count = is_dict ? 0 : PyList_GET_SIZE(value);
    for (Py_ssize_t i = 0;; i++) {
        PyObject *name, *item;
        if (is_dict) {
            if (!PyDict_Next(value, &pos, &name, &item)) break;
            Py_INCREF(name);
        } else {
            if (i >= count) break;
            item = PyList_GET_ITEM(value, i);
            name = PyUnicode_FromFormat("[%zd]", i);
            if (name == NULL) goto failed;
        }
        int failed = 0;
        if (PyUnicode_CheckExact(item)) {
            failed = PyDict_SetItem(fields, name, item) < 0;
        } else if (PyDict_CheckExact(item) || PyList_CheckExact(item)) {
            if ((PyDict_CheckExact(item) ? PyDict_GET_SIZE(item) : PyList_GET_SIZE(item)) > 0) {
                budget = flatten_nested(name, item, budget, fields);
                failed = budget == FLATTEN_FAILED;
                if (!failed && budget < 0) {
                    Py_DECREF(name);
                    *error = PyUnicode_FromFormat("field names too large: kept the first %zd fields",
                                                  PyDict_GET_SIZE(fields));
                    if (*error == NULL) goto failed;
                    return fields;
                }
            }
        } else {
            PyObject *text = scalar_text(item);
            failed = text == NULL || PyDict_SetItem(fields, name, text) < 0;
            Py_XDECREF(text);
        }
        Py_DECREF(name);
        if (failed) goto failed;
    }
    return fields;
failed:
    Py_DECREF(fields);
    return NULL;
}

/* jsontext.dumps_compact for values nested at most MAX_DEPTH deep: decoded JSON only (dict, list, str,
 * JsonNumber, True, False, None), strings escaped as json.encoder.encode_basestring escapes them.
 * Anything else, or deeper nesting, is written by the Python function itself. */
#define MAX_DEPTH 200
typedef struct {
    Py_UCS4 *data;
    Py_ssize_t size, capacity;
} Text;

static int text_reserve(Text *t, Py_ssize_t more) {
    if (t->size + more <= t->capacity) return 0;
    Py_ssize_t capacity = Py_MAX(t->capacity * 2, t->size + more + 64);
    Py_UCS4 *data = PyMem_Realloc(t->data, sizeof(Py_UCS4) * capacity);
    if (data == NULL) return PyErr_NoMemory(), -1;
    t->data = data;
    t->capacity = capacity;
    return 0;
}

static int text_ascii(Text *t, const char *ascii, Py_ssize_t n) {
    if (text_reserve(t, n) < 0) return -1;
    for (Py_ssize_t i = 0; i < n; i++) t->data[t->size++] = (unsigned char)ascii[i];
    return 0;
}

static int text_verbatim(Text *t, PyObject *str) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(str);
    if (text_reserve(t, n) < 0) return -1;
    int kind = PyUnicode_KIND(str);
    const void *data = PyUnicode_DATA(str);
    for (Py_ssize_t i = 0; i < n; i++) t->data[t->size++] = PyUnicode_READ(kind, data, i);
    return 0;
}

static int text_string(Text *t, PyObject *str) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(str);
    if (text_reserve(t, n * 6 + 2) < 0) return -1; /* \u00XX at most per character */
    int kind = PyUnicode_KIND(str);
    const void *data = PyUnicode_DATA(str);
    Py_UCS4 *out = t->data + t->size, *start = out;
    static const char hex[] = "0123456789abcdef";
    *out++ = '"';
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch >= ' ' && ch != '"' && ch != '\\') {
            *out++ = ch;
            continue;
        }
        *out++ = '\\';
        switch (ch) {
            case '"': *out++ = '"'; break;
            case '\\': *out++ = '\\'; break;
            case '\n': *out++ = 'n'; break;
            case '\r': *out++ = 'r'; break;
            case '\t': *out++ = 't'; break;
            case '\b': *out++ = 'b'; break;
            case '\f': *out++ = 'f'; break;
            default:
                *out++ = 'u';
                *out++ = '0';
                *out++ = '0';
                *out++ = hex[ch >> 4];
                *out++ = hex[ch & 15];
        }
    }
    *out++ = '"';
    t->size += out - start;
    return 0;
}

/* 0 written, -1 error, 1 not handled here (the caller asks the Python function). */
static int text_value(Text *t, PyObject *value, int depth) {
    if (PyUnicode_CheckExact(value)) return text_string(t, value);
    if (Py_IS_TYPE(value, (PyTypeObject *)JsonNumber)) return text_verbatim(t, value);
    if (value == Py_None) return text_ascii(t, "null", 4);
    if (value == Py_True) return text_ascii(t, "true", 4);
    if (value == Py_False) return text_ascii(t, "false", 5);
    if (depth >= MAX_DEPTH) return 1;
    if (PyDict_CheckExact(value)) {
        Py_ssize_t pos = 0;
        PyObject *key, *item;
        if (text_ascii(t, "{", 1) < 0) return -1;
        for (int first = 1; PyDict_Next(value, &pos, &key, &item); first = 0) {
            if (!PyUnicode_CheckExact(key)) return 1;
            if ((!first && text_ascii(t, ",", 1) < 0) || text_string(t, key) < 0 || text_ascii(t, ":", 1) < 0)
                return -1;
            int done = text_value(t, item, depth + 1);
            if (done != 0) return done;
        }
        return text_ascii(t, "}", 1);
    }
    if (PyList_CheckExact(value)) {
        if (text_ascii(t, "[", 1) < 0) return -1;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(value); i++) {
            if (i > 0 && text_ascii(t, ",", 1) < 0) return -1;
            int done = text_value(t, PyList_GET_ITEM(value, i), depth + 1);
            if (done != 0) return done;
        }
        return text_ascii(t, "]", 1);
    }
    return 1;
}

static PyObject *compact_json(PyObject *value) {
    Text t = {NULL, 0, 0};
    int done = text_value(&t, value, 0);
    PyObject *result = NULL;
    if (done == 0)
        result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, t.data, t.size); /* never empty */
    PyMem_Free(t.data);
    if (done == 1) return PyObject_CallOneArg(dumps_compact, value);
    return result;
}

static PyObject *fp_dumps_compact(PyObject *self, PyObject *value) { return compact_json(value); }

/* ---- envelopes.py: _integers_as_text ---- */

/* envelopes._integers_as_text: every int inside the decoded values replaced by its JsonNumber text, in
 * place, without recursion; True when one of them was 0. */
static PyObject *fp_integers_as_text(PyObject *self, PyObject *values) {
    Py_ssize_t size = 16, depth = 0;
    int zero = 0;
    PyObject **todo = PyMem_Malloc(sizeof(PyObject *) * size); /* borrowed: held by values */
    if (todo == NULL) return PyErr_NoMemory();
    todo[depth++] = values;
    while (depth > 0) {
        PyObject *container = todo[--depth], *key = NULL, *item;
        Py_ssize_t pos = 0, i = -1;
        int is_dict = PyDict_CheckExact(container);
        for (;;) {
            if (is_dict) {
                if (!PyDict_Next(container, &pos, &key, &item)) break;
            } else {
                if (++i >= PyList_GET_SIZE(container)) break;
                item = PyList_GET_ITEM(container, i);
            }
            if (PyLong_CheckExact(item)) {
                int overflow;
                zero = zero || (PyLong_AsLongLongAndOverflow(item, &overflow) == 0 && !overflow);
                PyObject *digits = PyObject_Str(item);
                PyObject *number = digits ? PyObject_CallOneArg(JsonNumber, digits) : NULL;
                Py_XDECREF(digits);
                if (number == NULL || (is_dict ? PyDict_SetItem(container, key, number) : PyList_SetItem(container, i, number))) {
                    if (is_dict) Py_XDECREF(number);
                    goto failed;
                }
                if (is_dict) Py_DECREF(number);
            } else if (PyDict_CheckExact(item) || PyList_CheckExact(item)) {
                if (depth == size) {
                    PyObject **grown = PyMem_Realloc(todo, sizeof(PyObject *) * size * 2);
                    if (grown == NULL) {
                        PyErr_NoMemory();
                        goto failed;
                    }
                    todo = grown;
                    size *= 2;
                }
                todo[depth++] = item;
            }
        }
    }
    PyMem_Free(todo);
    return PyBool_FromLong(zero);
failed:
    PyMem_Free(todo);
    return NULL;
}

/* ---- translate.py ---- */

/* A borrowed member of an envelope, NULL when absent (dict.get). */
static inline PyObject *member_of(PyObject *envelope, PyObject *name) {
    return PyDict_GetItemWithError(envelope, name);
}

static inline int is_empty_str(PyObject *value) {
    return PyUnicode_Check(value) && PyUnicode_GET_LENGTH(value) == 0;
}

/* translate._query_default: a new reference or None. */
static PyObject *query_default(Ctx *c, PyObject *name) {
    PyObject *value = PyDict_GetItemWithError(c->query, name);
    if (value == NULL) {
        if (PyErr_Occurred()) return NULL;
        Py_RETURN_NONE;
    }
    int truth = PyObject_IsTrue(value);
    if (truth < 0) return NULL;
    return Py_NewRef(truth ? value : Py_None);
}

/* translate._member: a new reference (str) or None. */
static PyObject *member_text(PyObject *envelope, PyObject *name, Ctx *c) {
    PyObject *value = member_of(envelope, name);
    if (value == NULL && PyErr_Occurred()) return NULL;
    if (value != NULL && PyUnicode_CheckExact(value) && PyUnicode_GET_LENGTH(value) > 0) return Py_NewRef(value);
    if (value == NULL || value == Py_None || is_empty_str(value)) return query_default(c, name);
    return compact_json(value);
}

/* translate._text */
static PyObject *member_as_text(PyObject *value) {
    if (PyUnicode_CheckExact(value)) return Py_NewRef(value);
    return compact_json(value);
}

/* translate._repository: a new reference. */
static PyObject *repository_of(PyObject *index, Ctx *c) {
    if (index != Py_None && c->change_repo) {
        int known = PySet_Contains(c->repositories, index);
        if (known < 0) return NULL;
        if (known) return Py_NewRef(index);
    }
    return Py_NewRef(c->repository);
}

/* translate._is_nested_field */
static int is_nested_field(PyObject *value) {
    if (PyDict_CheckExact(value)) return 1;
    if (!PyList_CheckExact(value)) return 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(value); i++) {
        PyObject *item = PyList_GET_ITEM(value, i);
        if (PyDict_CheckExact(item) || PyList_CheckExact(item)) return 1;
    }
    return 0;
}

/* translate._check_envelope: 0, or -1 with the HecError set. */
static int check_envelope(PyObject *envelope, Py_ssize_t number, Ctx *c) {
    if (!PyDict_Check(envelope)) {
        PyErr_SetString(PyExc_TypeError, "an envelope must be a dict");
        return -1;
    }
    if (c->splunk) {
        PyObject *event = member_of(envelope, s_event);
        if (event == NULL && PyErr_Occurred()) return -1;
        if (event == NULL || event == Py_None) return hec_error(400, 12, "Event field is required", number), -1;
        if (is_empty_str(event)) return hec_error(400, 13, "Event field cannot be blank", number), -1;
        PyObject *fields = member_of(envelope, s_fields);
        if (fields == NULL && PyErr_Occurred()) return -1;
        if (fields != NULL && fields != Py_None) {
            if (!PyDict_CheckExact(fields)) return hec_error(400, 6, "Invalid data format", number), -1; /* FLD-5 */
            Py_ssize_t pos = 0;
            PyObject *name, *value;
            while (PyDict_Next(fields, &pos, &name, &value))
                if (is_nested_field(value)) return hec_error(400, 15, "Error in handling indexed fields", number), -1;
        }
        PyObject *names[] = {s_host, s_source, s_sourcetype, s_index};
        for (int i = 0; i < 4; i++) {
            PyObject *value = member_of(envelope, names[i]);
            if (value == NULL && PyErr_Occurred()) return -1;
            if (value != NULL && value != Py_None && !PyUnicode_CheckExact(value))
                return hec_error(400, 6, "Invalid data format", number), -1; /* SPL-2 */
        }
    }
    if (!c->change_repo) {
        PyObject *index = member_text(envelope, s_index, c);
        if (index == NULL) return -1;
        int differs = index != Py_None ? PyObject_RichCompareBool(index, c->repository, Py_NE) : 0;
        Py_DECREF(index);
        if (differs < 0) return -1;
        if (differs) return hec_error(400, 7, "Incorrect index", number), -1; /* IDX-3 */
    }
    return 0;
}

/* translate._head: a new dict. */
static PyObject *head_fields(Ctx *c, PyObject *repository, PyObject *sourcetype, PyObject *timezone,
                             PyObject *source, PyObject *host) {
    PyObject *head = PyDict_New();
    if (head == NULL) return NULL;
    int truth = PyObject_IsTrue(c->token_parser);
    PyObject *type = truth > 0 ? c->token_parser : NULL;
    if (type == NULL && truth == 0) {
        truth = PyObject_IsTrue(sourcetype);
        type = truth > 0 ? sourcetype : truth == 0 ? s_none : NULL;
    }
    if (type == NULL || PyDict_SetItem(head, s_rawstring, s_empty) < 0 ||
        PyDict_SetItem(head, s_at_timezone, timezone) < 0 || PyDict_SetItem(head, s_repo, repository) < 0 ||
        PyDict_SetItem(head, s_type, type) < 0 ||
        (source != Py_None && PyDict_SetItem(head, s_at_source, source) < 0) ||
        (host != Py_None && PyDict_SetItem(head, s_at_host, host) < 0)) {
        Py_DECREF(head);
        return NULL;
    }
    return head;
}

/* translate._limited: a new reference to @rawstring; *whole says whether it was cut. */
static PyObject *limited(PyObject *rawstring, Ctx *c, int *whole) {
    Py_ssize_t limit = c->max_event_bytes;
    *whole = 1;
    if (PyUnicode_GET_LENGTH(rawstring) <= limit / 4 && PyUnicode_GET_LENGTH(rawstring) * 4 <= limit)
        return Py_NewRef(rawstring);
    Py_ssize_t size;
    const char *encoded = PyUnicode_AsUTF8AndSize(rawstring, &size);
    if (encoded == NULL) return NULL;
    if (size <= limit) return Py_NewRef(rawstring);
    *whole = 0;
    Py_ssize_t cut = limit - 3; /* a Python slice end */
    if (cut < 0) cut = cut + size < 0 ? 0 : cut + size;
    if (cut > size) cut = size;
    PyObject *prefix = PyUnicode_DecodeUTF8(encoded, cut, "ignore");
    if (prefix == NULL) return NULL;
    PyObject *cut_text = PyUnicode_Concat(prefix, s_dots);
    Py_DECREF(prefix);
    return cut_text;
}

/* translate._parsed: a new dict; may append to errors. */
static PyObject *parsed(PyObject *text, PyObject *sourcetype, Ctx *c, PyObject *errors) {
    PyObject *fields = parse_kv_text(text);
    if (fields == NULL) return NULL;
    int truth = PyObject_IsTrue(c->token_parser);
    if (truth < 0) goto failed;
    PyObject *name = truth ? c->token_parser : sourcetype;
    if (name == Py_None) return fields;
    PyObject *parser = PyObject_CallMethodOneArg(c->parsers, s_get, name);
    if (parser == NULL) goto failed;
    if (parser == Py_None) {
        Py_DECREF(parser);
        PyObject *message =
            PyUnicode_FromFormat("could not find parser %R; only the key/value parser was applied", name);
        int failed = message == NULL || PyList_Append(errors, message) < 0;
        Py_XDECREF(message);
        if (failed) goto failed;
        return fields;
    }
    PyObject *result = PyObject_CallMethodOneArg(parser, s_parse, text);
    Py_DECREF(parser);
    if (result == NULL) goto failed;
    PyObject *found, *error;
    if (!PyArg_ParseTuple(result, "OO", &found, &error) || PyDict_Update(fields, found) < 0 ||
        (error != Py_None && PyList_Append(errors, error) < 0)) {
        Py_DECREF(result);
        goto failed;
    }
    Py_DECREF(result);
    return fields;
failed:
    Py_DECREF(fields);
    return NULL;
}

/* translate._fields_members: a new dict. */
static PyObject *fields_members(PyObject *fields) {
    PyObject *members = PyDict_New();
    if (members == NULL || fields == NULL || !PyDict_CheckExact(fields)) return members;
    Py_ssize_t pos = 0;
    PyObject *name, *value;
    while (PyDict_Next(fields, &pos, &name, &value)) {
        if (PyDict_CheckExact(value) || PyList_CheckExact(value)) continue;
        int dropped = PySet_Contains(EVENT_DROPPED, name);
        if (dropped < 0) goto failed;
        if (dropped) continue;
        PyObject *text = scalar_text(value);
        int failed = text == NULL || PyDict_SetItem(members, name, text) < 0;
        Py_XDECREF(text);
        if (failed) goto failed;
    }
    return members;
failed:
    Py_DECREF(members);
    return NULL;
}

static int starts_with_hash(PyObject *name) {
    return PyUnicode_Check(name) && PyUnicode_GET_LENGTH(name) > 0 && PyUnicode_READ_CHAR(name, 0) == '#';
}

/* translate._finish: fills and returns a new reference to fields (PREC-1, LIM-2). */
static PyObject *finish(PyObject *fields, PyObject *rawstring, PyObject *members, PyObject *others,
                        PyObject *dropped, PyObject *errors, Ctx *c) {
    if (PyDict_SetItem(fields, s_rawstring, rawstring) < 0) return NULL;
    if (PyList_GET_SIZE(errors) > 0) {
        PyObject *message = PyUnicode_Join(s_semicolon, errors);
        int failed = message == NULL || PyDict_SetItem(fields, s_error, s_true) < 0 ||
                     PyDict_SetItem(fields, s_error_msg, message) < 0;
        Py_XDECREF(message);
        if (failed) return NULL;
    }
    Py_ssize_t pos = 0;
    PyObject *name, *value;
    while (PyDict_Next(members, &pos, &name, &value))
        if (starts_with_hash(name) && PyDict_SetItem(fields, name, value) < 0) return NULL; /* FLD-2 tags first */
    if (PyDict_Update(fields, members) < 0) return NULL;
    if (PyDict_GET_SIZE(others) == 0) return Py_NewRef(fields);
    if (PyDict_GET_SIZE(others) <= c->max_fields - STORE_SET - PyDict_GET_SIZE(fields)) {
        /* every kept name fits (LIM-2 cuts nothing): added in order, without the list */
        pos = 0;
        while (PyDict_Next(others, &pos, &name, &value)) {
            int skip = PySet_Contains(dropped, name);
            if (skip == 0) skip = PyDict_Contains(members, name);
            if (skip < 0 || (!skip && PyDict_SetItem(fields, name, value) < 0)) return NULL;
        }
        return Py_NewRef(fields);
    }
    PyObject *kept = PyList_New(0);
    if (kept == NULL) return NULL;
    pos = 0;
    while (PyDict_Next(others, &pos, &name, &value)) {
        int skip = PySet_Contains(dropped, name);
        if (skip == 0) skip = PyDict_Contains(members, name);
        if (skip < 0 || (!skip && PyList_Append(kept, name) < 0)) goto failed;
    }
    Py_ssize_t room = c->max_fields - STORE_SET - PyDict_GET_SIZE(fields);
    if (PyList_GET_SIZE(kept) > room) { /* LIM-2 */
        if (PyList_Sort(kept) < 0 || PyList_SetSlice(kept, room > 0 ? room : 0, PyList_GET_SIZE(kept), NULL) < 0)
            goto failed;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(kept); i++) {
        name = PyList_GET_ITEM(kept, i);
        value = PyDict_GetItemWithError(others, name);
        if (value == NULL || PyDict_SetItem(fields, name, value) < 0) goto failed;
    }
    Py_DECREF(kept);
    return Py_NewRef(fields);
failed:
    Py_DECREF(kept);
    return NULL;
}

/* The JSON number grammar of jsontext.JSON_NUMBER over a whole str. */
static int is_json_number(PyObject *text) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0;
#define AT(k) (i + (k) < n ? PyUnicode_READ(kind, data, i + (k)) : 0)
#define DIGIT(ch) ((ch) >= '0' && (ch) <= '9')
    if (AT(0) == '-') i++;
    if (AT(0) == '0') {
        i++;
    } else if (AT(0) >= '1' && AT(0) <= '9') {
        while (DIGIT(AT(0))) i++;
    } else {
        return 0;
    }
    if (AT(0) == '.' && DIGIT(AT(1))) {
        i++;
        while (DIGIT(AT(0))) i++;
    }
    if ((AT(0) == 'e' || AT(0) == 'E') && (DIGIT(AT(1)) || ((AT(1) == '-' || AT(1) == '+') && DIGIT(AT(2))))) {
        i += DIGIT(AT(1)) ? 1 : 2;
        while (DIGIT(AT(0))) i++;
    }
    return i == n;
}

/* translate.seconds_to_ms for the plain form (translate._PLAIN_SECONDS); 0 when not plain. */
static int plain_seconds_to_ms(PyObject *text, int64_t *ms) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0;
    int negative = AT(0) == '-';
    i += negative;
    int64_t whole = 0;
    if (AT(0) == '0') {
        i++;
    } else if (AT(0) >= '1' && AT(0) <= '9') {
        Py_ssize_t first = i;
        while (DIGIT(AT(0))) {
            if (i - first == 15) return 0;
            whole = whole * 10 + (AT(0) - '0');
            i++;
        }
    } else {
        return 0;
    }
    int64_t fraction = 0;
    if (AT(0) == '.') {
        i++;
        if (!DIGIT(AT(0))) return 0;
        for (int k = 0; DIGIT(AT(0)); k++, i++)
            if (k < 3) fraction += (AT(0) - '0') * (k == 0 ? 100 : k == 1 ? 10 : 1);
    }
    if (i != n) return 0;
    *ms = negative ? -(whole * 1000 + fraction) : whole * 1000 + fraction;
    return 1;
#undef AT
#undef DIGIT
}

/* translate._timestamp: a new int; may append to errors. */
static PyObject *timestamp_of(PyObject *value, Ctx *c, PyObject *errors) {
    if (value == NULL || value == Py_None) return Py_NewRef(c->now_ms); /* TIME-4 */
    if (Py_IS_TYPE(value, (PyTypeObject *)JsonNumber) || (PyUnicode_CheckExact(value) && is_json_number(value))) {
        int64_t ms;
        int known = plain_seconds_to_ms(value, &ms);
        if (!known) {
            PyObject *result = PyObject_CallOneArg(seconds_to_ms_py, value);
            if (result == NULL) return NULL;
            known = result != Py_None;
            ms = known ? clamp_int64(result) : 0;
            Py_DECREF(result);
            if (PyErr_Occurred()) return NULL;
        }
        if (known && ms <= c->latest_ms) return PyLong_FromLongLong(ms);
        int past = PyUnicode_GET_LENGTH(value) > 0 && PyUnicode_READ_CHAR(value, 0) == '-';
        if (PyList_Append(errors, past ? PAST_MSG : FUTURE_MSG) < 0) return NULL; /* TIME-6 */
        return Py_NewRef(c->now_ms);
    }
    PyObject *shown = compact_json(value);
    if (shown == NULL) return NULL;
    if (PyUnicode_GET_LENGTH(shown) > 100) {
        PyObject *head = PyUnicode_Substring(shown, 0, 100);
        Py_SETREF(shown, head ? PyUnicode_Concat(head, s_dots) : NULL);
        Py_XDECREF(head);
        if (shown == NULL) return NULL;
    }
    PyObject *message = PyUnicode_FromFormat("time %U is not a number of seconds. Setting it to now", shown);
    Py_DECREF(shown);
    int failed = message == NULL || PyList_Append(errors, message) < 0; /* TIME-5 */
    Py_XDECREF(message);
    return failed ? NULL : Py_NewRef(c->now_ms);
}

/* StoredEvent(repository, timestamp, fields): a tuple subclass without __dict__ (checked at import),
 * made as tuple.__new__ makes it. */
static PyObject *stored_event(PyObject *repository, PyObject *timestamp, PyObject *fields) {
    PyTypeObject *type = (PyTypeObject *)StoredEvent;
    PyObject *event = type->tp_alloc(type, 3);
    if (event == NULL) return NULL;
    PyTuple_SET_ITEM(event, 0, Py_NewRef(repository));
    PyTuple_SET_ITEM(event, 1, Py_NewRef(timestamp));
    PyTuple_SET_ITEM(event, 2, Py_NewRef(fields));
    return event;
}

/* translate._translate_envelope: a new StoredEvent. */
static PyObject *translate_envelope(PyObject *envelope, Ctx *c) {
    PyObject *errors = PyList_New(0), *timestamp = NULL, *sourcetype = NULL, *index = NULL, *repository = NULL;
    PyObject *timezone = NULL, *source = NULL, *host = NULL, *head = NULL, *rawstring = NULL, *cut = NULL;
    PyObject *others = NULL, *members = NULL, *fields = NULL, *result = NULL;
    if (errors == NULL) return NULL;
    PyObject *time_value = member_of(envelope, s_time);
    if (time_value == NULL && PyErr_Occurred()) goto done;
    if ((timestamp = timestamp_of(time_value, c, errors)) == NULL) goto done;
    PyObject *timezone_value = member_of(envelope, s_timezone);
    if (timezone_value == NULL && PyErr_Occurred()) goto done;
    if ((sourcetype = member_text(envelope, s_sourcetype, c)) == NULL) goto done;
    if ((index = member_text(envelope, s_index, c)) == NULL) goto done;
    if ((repository = repository_of(index, c)) == NULL) goto done;
    timezone = timezone_value == NULL || timezone_value == Py_None ? Py_NewRef(s_Z) : member_as_text(timezone_value);
    if (timezone == NULL) goto done;
    if ((source = member_text(envelope, s_source, c)) == NULL) goto done;
    if ((host = member_text(envelope, s_host, c)) == NULL) goto done;
    if ((head = head_fields(c, repository, sourcetype, timezone, source, host)) == NULL) goto done;
    PyObject *event = member_of(envelope, s_event);
    if (event == NULL && PyErr_Occurred()) goto done;
    int is_text = event != NULL && PyUnicode_CheckExact(event);
    if (event == NULL || event == Py_None)
        rawstring = Py_NewRef(s_empty); /* EVT-5 */
    else if (is_text)
        rawstring = Py_NewRef(event); /* EVT-1 */
    else
        rawstring = compact_json(event); /* EVT-4, EVT-6 */
    if (rawstring == NULL) goto done;
    int whole;
    if ((cut = limited(rawstring, c, &whole)) == NULL) goto done;
    if (whole && is_text) {
        others = parsed(event, sourcetype, c, errors); /* EVT-2 */
    } else if (whole && event != NULL && event != Py_None) {
        PyObject *error;
        others = flatten(event, PyUnicode_GET_LENGTH(cut), &error); /* EVT-3, EVT-6 */
        if (error != NULL) {
            int failed = PyList_Append(errors, error) < 0;
            Py_DECREF(error);
            if (failed) goto done;
        }
    } else {
        others = PyDict_New();
    }
    if (others == NULL) goto done;
    PyObject *fields_value = member_of(envelope, s_fields);
    if (fields_value == NULL && PyErr_Occurred()) goto done;
    if ((members = fields_members(fields_value)) == NULL) goto done;
    if ((fields = finish(head, cut, members, others, EVENT_DROPPED, errors, c)) == NULL) goto done;
    result = stored_event(repository, timestamp, fields);
done:
    Py_XDECREF(errors);
    Py_XDECREF(timestamp);
    Py_XDECREF(sourcetype);
    Py_XDECREF(index);
    Py_XDECREF(repository);
    Py_XDECREF(timezone);
    Py_XDECREF(source);
    Py_XDECREF(host);
    Py_XDECREF(head);
    Py_XDECREF(rawstring);
    Py_XDECREF(cut);
    Py_XDECREF(others);
    Py_XDECREF(members);
    Py_XDECREF(fields);
    return result;
}

static PyObject *fp_translate_events(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2 || !PyList_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "translate_events(envelopes: list, ctx)");
        return NULL;
    }
    PyObject *envelopes = args[0];
    Ctx c;
    if (ctx_read(&c, args[1]) < 0) goto failed;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(envelopes); i++)
        if (check_envelope(PyList_GET_ITEM(envelopes, i), i, &c) < 0) goto failed;
    PyObject *events = PyList_New(PyList_GET_SIZE(envelopes));
    if (events == NULL) goto failed;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(envelopes); i++) {
        PyObject *event = translate_envelope(PyList_GET_ITEM(envelopes, i), &c);
        if (event == NULL) {
            Py_DECREF(events);
            goto failed;
        }
        PyList_SET_ITEM(events, i, event);
    }
    ctx_clear(&c);
    return events;
failed:
    ctx_clear(&c);
    return NULL;
}

/* translate.translate_raw */
static PyObject *fp_translate_raw(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2 || !PyList_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "translate_raw(lines: list, ctx)");
        return NULL;
    }
    PyObject *lines = args[0], *index = NULL, *repository = NULL, *sourcetype = NULL, *source = NULL;
    PyObject *host = NULL, *head = NULL, *events = NULL, *empty = NULL;
    Ctx c;
    if (ctx_read(&c, args[1]) < 0) goto failed;
    if ((index = query_default(&c, s_index)) == NULL) goto failed;
    if (index != Py_None && !c.change_repo) {
        int differs = PyObject_RichCompareBool(index, c.repository, Py_NE);
        if (differs < 0) goto failed;
        if (differs) {
            hec_error(400, 7, "Incorrect index", 0);
            goto failed;
        }
    }
    if ((repository = repository_of(index, &c)) == NULL) goto failed;
    if ((sourcetype = query_default(&c, s_sourcetype)) == NULL) goto failed;
    if ((source = query_default(&c, s_source)) == NULL || (host = query_default(&c, s_host)) == NULL) goto failed;
    if ((head = head_fields(&c, repository, sourcetype, s_Z, source, host)) == NULL) goto failed;
    int channel = PyObject_IsTrue(c.channel);
    if (channel < 0 || (channel && PyDict_SetItem(head, s_channel, c.channel) < 0)) goto failed;
    if ((events = PyList_New(0)) == NULL || (empty = PyDict_New()) == NULL) goto failed;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(lines); i++) {
        PyObject *line = PyList_GET_ITEM(lines, i);
        if (!PyUnicode_Check(line)) {
            PyErr_SetString(PyExc_TypeError, "a raw line must be a str");
            goto failed;
        }
        PyObject *errors = PyList_New(0), *cut = NULL, *others = NULL, *fields = NULL, *done = NULL;
        PyObject *event = NULL;
        int whole;
        if (errors != NULL && (cut = limited(line, &c, &whole)) != NULL &&
            (others = whole ? parsed(line, sourcetype, &c, errors) : PyDict_New()) != NULL &&
            (fields = PyDict_Copy(head)) != NULL &&
            (done = finish(fields, cut, empty, others, RAW_DROPPED, errors, &c)) != NULL)
            event = stored_event(repository, c.now_ms, done);
        int failed = event == NULL || PyList_Append(events, event) < 0;
        Py_XDECREF(errors);
        Py_XDECREF(cut);
        Py_XDECREF(others);
        Py_XDECREF(fields);
        Py_XDECREF(done);
        Py_XDECREF(event);
        if (failed) goto failed;
    }
    goto done;
failed:
    Py_CLEAR(events);
done:
    Py_XDECREF(index);
    Py_XDECREF(repository);
    Py_XDECREF(sourcetype);
    Py_XDECREF(source);
    Py_XDECREF(host);
    Py_XDECREF(head);
    Py_XDECREF(empty);
    ctx_clear(&c);
    return events;
}

static PyMethodDef methods[] = {
    {"parse_kv", fp_parse_kv, METH_O, "kv.parse_kv, compiled."},
    {"dumps_compact", fp_dumps_compact, METH_O, "jsontext.dumps_compact, compiled."},
    {"integers_as_text", fp_integers_as_text, METH_O, "envelopes._integers_as_text, compiled."},
    {"translate_events", (PyCFunction)(void (*)(void))fp_translate_events, METH_FASTCALL,
     "translate.translate_events, compiled."},
    {"translate_raw", (PyCFunction)(void (*)(void))fp_translate_raw, METH_FASTCALL,
     "translate.translate_raw, compiled."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "reference_server._fastpath",
    "The compiled per-event path of translate.py and kv.py (see _fastpath.c).", -1, methods,
};

static PyObject *import_attr(const char *module_name, const char *name) {
    PyObject *mod = PyImport_ImportModule(module_name);
    if (mod == NULL) return NULL;
    PyObject *value = PyObject_GetAttrString(mod, name);
    Py_DECREF(mod);
    return value;
}

static int intern(PyObject **slot, const char *text) {
    *slot = PyUnicode_InternFromString(text);
    return *slot == NULL ? -1 : 0;
}

PyMODINIT_FUNC PyInit__fastpath(void) {
    const char *T = "reference_server.translate", *J = "reference_server.jsontext";
    if ((StoredEvent = import_attr(T, "StoredEvent")) == NULL ||
        (HecError = import_attr("reference_server.errors", "HecError")) == NULL ||
        (JsonNumber = import_attr(J, "JsonNumber")) == NULL || (dumps_compact = import_attr(J, "dumps_compact")) == NULL ||
        (seconds_to_ms_py = import_attr(T, "seconds_to_ms")) == NULL ||
        (EVENT_DROPPED = import_attr(T, "_EVENT_DROPPED")) == NULL ||
        (RAW_DROPPED = import_attr(T, "_RAW_DROPPED")) == NULL || (FUTURE_MSG = import_attr(T, "_FUTURE")) == NULL ||
        (PAST_MSG = import_attr(T, "_PAST")) == NULL)
        return NULL;
    if (!PyType_Check(StoredEvent) || !PyType_IsSubtype((PyTypeObject *)StoredEvent, &PyTuple_Type) ||
        ((PyTypeObject *)StoredEvent)->tp_dictoffset != 0) {
        PyErr_SetString(PyExc_ImportError, "translate.StoredEvent is no tuple without __dict__");
        return NULL;
    }
    PyObject *store_set = import_attr(T, "_STORE_SET");
    if (store_set == NULL) return NULL;
    STORE_SET = PyLong_AsSsize_t(store_set);
    Py_DECREF(store_set);
    if (PyErr_Occurred()) return NULL;
    if (intern(&s_event, "event") || intern(&s_fields, "fields") || intern(&s_host, "host") ||
        intern(&s_source, "source") || intern(&s_sourcetype, "sourcetype") || intern(&s_index, "index") ||
        intern(&s_time, "time") || intern(&s_timezone, "timezone") || intern(&s_rawstring, "@rawstring") ||
        intern(&s_at_timezone, "@timezone") || intern(&s_repo, "#repo") || intern(&s_type, "#type") ||
        intern(&s_at_source, "@source") || intern(&s_at_host, "@host") || intern(&s_error, "@error") ||
        intern(&s_error_msg, "@error_msg") || intern(&s_channel, "channel") || intern(&s_true, "true") ||
        intern(&s_false, "false") || intern(&s_null, "null") || intern(&s_none, "none") || intern(&s_Z, "Z") ||
        intern(&s_empty, "") || intern(&s_dots, "...") || intern(&s_semicolon, "; ") || intern(&s_get, "get") ||
        intern(&s_parse, "parse"))
        return NULL;
    return PyModule_Create(&module);
}
