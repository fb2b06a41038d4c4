/** Who is acting on a request, as the global AuthGuard found them. */
export interface AuthenticatedUser {
  id: string;
  username: string;
  address: string;
  displayName: string;
  tokenId: string;
}
