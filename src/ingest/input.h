/* input.h - reading one input, whole and bounded
 *
 * A delivered message, a report file or an HTTP body is read into memory
 * before anything looks at it: messages are small, GMime and zlib then work
 * on one buffer, and an oversized input is refused before it is parsed.
 * Every read goes through here: interrupted reads are resumed, and a
 * descriptor the MTA or web server set non-blocking is waited on, not
 * spun on.
 */
#ifndef TLSRPT_INPUT_H
#define TLSRPT_INPUT_H

#include <sys/stat.h>

#include <glib.h>

/* input_read_fd - read fd to its end; at most max_size bytes
 *
 * Returns an owned GBytes.  More than max_size bytes is ERROR_NOT_REPORT
 * ("message larger than N bytes"); a read error is ERROR_TEMPORARY, since
 * the MTA still has the message and can hand it to us again; a directory
 * is ERROR_USAGE.  The name is only used in error messages ("standard
 * input", a file name).
 */
GBytes *input_read_fd(int fd, gsize max_size, const char *name, GError **error);

/* input_open_at - open name in the directory dirfd, to read it as an input
 *
 * As a batch walk must: a symbolic link is not followed unless follow (a
 * PATH the user gave), the open never blocks (a FIFO swapped in for a
 * file), and only a regular file is kept open.  Returns the descriptor,
 * *st saying what was opened so that only that is moved or deleted, or
 * -1 with an error: ERROR_NOT_REPORT for what is no file to read (one
 * line: "a FIFO, not a regular file", "a symbolic link, not followed",
 * "gone before it could be read"), which is skipped and never moved;
 * ERROR_TEMPORARY for a file that cannot be opened ("cannot open the
 * file: Permission denied"): it stays for a run that can.
 */
int input_open_at(int dirfd, const char *name, gboolean follow, struct stat *st,
    GError **error);

/* input_file_type - what a file of mode is, in words: "a FIFO", "a
 * socket", "a character device"...; static */
const char *input_file_type(mode_t mode);

/* input_read_length - read exactly length bytes of fd, no more: what
 * follows may not be ours (a CGI body, RFC 3875 4.2)
 *
 * Returns owned bytes.  An input that ends before is ERROR_NOT_REPORT
 * ("request body ended after 12 of 100 bytes"); a read error is
 * ERROR_TEMPORARY.
 */
GBytes *input_read_length(int fd, gsize length, const char *name,
    GError **error);

/* input_drain - read and drop length bytes of fd, or up to its end or a
 * read error, whichever comes first */
void input_drain(int fd, guint64 length);

/* input_within - whether input, read already (a message of an mbox), is
 * at most max_size bytes; if not ERROR_NOT_REPORT, as input_read_fd says
 * it, naming the input name */
gboolean input_within(GBytes *input, gsize max_size, const char *name,
    GError **error);

#endif
