/* mpi-hello: each rank prints rank, size and hostname, then the ranks exchange data over the
 * MPI data path (not only PMIx): an MPI_Allreduce of the ranks, and a ring of point-to-point
 * messages carrying a 1 MiB buffer. Exit status 0 only if both results are right. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int rank, size, len, sum = 0, ok = 1;
    char host[MPI_MAX_PROCESSOR_NAME];
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Get_processor_name(host, &len);
    printf("hello from rank %d of %d on %s\n", rank, size, host);
    fflush(stdout);

    MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (sum != size * (size - 1) / 2) ok = 0;

    /* ring: send 1 MiB to the right neighbour, receive from the left one */
    const int n = 1 << 18; /* ints */
    int *out = malloc(n * sizeof(int)), *in = malloc(n * sizeof(int));
    for (int i = 0; i < n; i++) out[i] = rank * 7 + i;
    int right = (rank + 1) % size, left = (rank + size - 1) % size;
    MPI_Sendrecv(out, n, MPI_INT, right, 0, in, n, MPI_INT, left, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    for (int i = 0; i < n; i++) if (in[i] != left * 7 + i) { ok = 0; break; }

    int all_ok = 0;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    if (rank == 0)
        printf("allreduce: sum of ranks = %d (expected %d); ring 1MiB exchange %s; %s\n",
               sum, size * (size - 1) / 2, all_ok ? "ok" : "CORRUPT", all_ok ? "MPI OK" : "MPI FAILED");
    free(out); free(in);
    MPI_Finalize();
    return all_ok ? 0 : 1;
}
